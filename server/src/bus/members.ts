/**
 * A map from a key to its members that stores a lone member as itself and only allocates a
 * `Set` from the second one on. Almost every topic has exactly one subscriber (a visitor's
 * own topic and its single tab, the hub as the only bus handler of a topic), and a `Set`
 * costs ~250 bytes: with 10 000 idle visitors that was a few MB of empty-ish tables.
 */
export class Members<K, V extends object> {
  private readonly map = new Map<K, V | Set<V>>();

  /** Adds `member`; true when `key` had no member before (the first subscriber). */
  add(key: K, member: V): boolean {
    const cur = this.map.get(key);
    if (cur === undefined) {
      this.map.set(key, member);
      return true;
    }
    if (cur instanceof Set) cur.add(member);
    else if (cur !== member) this.map.set(key, new Set([cur, member]));
    return false;
  }

  /** Removes `member`; true when `key` has no member left (the last one went). */
  delete(key: K, member: V): boolean {
    const cur = this.map.get(key);
    if (cur === undefined) return false;
    if (cur instanceof Set) {
      if (!cur.delete(member)) return false;
      if (cur.size > 1) return false;
      const [only] = cur;
      if (only === undefined) {
        this.map.delete(key);
        return true;
      }
      this.map.set(key, only);
      return false;
    }
    if (cur !== member) return false;
    this.map.delete(key);
    return true;
  }

  /** Calls `fn` for each member of `key` (the set may not change during the call). */
  forEach(key: K, fn: (member: V) => void): void {
    const cur = this.map.get(key);
    if (cur === undefined) return;
    if (cur instanceof Set) for (const m of cur) fn(m);
    else fn(cur);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  count(key: K): number {
    const cur = this.map.get(key);
    return cur === undefined ? 0 : cur instanceof Set ? cur.size : 1;
  }

  /** Number of keys with at least one member. */
  get size(): number {
    return this.map.size;
  }

  /** Total memberships over all keys. */
  total(): number {
    let n = 0;
    for (const cur of this.map.values()) n += cur instanceof Set ? cur.size : 1;
    return n;
  }

  clear(): void {
    this.map.clear();
  }
}
