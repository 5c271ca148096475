/**
 * Which webhooks of a site want which events: read once per site and kept until an
 * administration change (admin/watch.ts clears it), so the message path asks memory, not
 * the database. An empty result (the common case: no webhooks) costs nothing downstream.
 */
import type { OutboxTargets, Storage } from '../storage/types.js';

export class WebhookTargets {
  private readonly cache = new Map<string, OutboxTargets | null>();

  constructor(private readonly storage: Storage) {}

  async of(siteId: string): Promise<OutboxTargets | null> {
    const hit = this.cache.get(siteId);
    if (hit !== undefined) return hit;
    const targets: Record<string, string[]> = {};
    for (const w of await this.storage.listWebhooks(siteId)) {
      if (!w.active) continue;
      for (const e of w.events) {
        const list = targets[e] ?? [];
        list.push(w.id);
        targets[e] = list;
      }
    }
    const value = Object.keys(targets).length > 0 ? (targets as OutboxTargets) : null;
    this.cache.set(siteId, value);
    return value;
  }

  /** Webhooks may have changed: read again on next use. */
  clear(): void {
    this.cache.clear();
  }
}
