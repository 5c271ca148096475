import type { KV } from '../storage';
import { atom } from '../store';

/** A message written by the visitor and not yet acknowledged by the server. */
export interface OutboxEntry {
  cid: string;
  text: string;
  /** Local creation time (epoch ms), for display and order. */
  at: number;
  /** Error code when the server refused it ("Not sent"); absent while sending. */
  failed?: string;
}

/** Unacknowledged messages, oldest first; mirrored to storage so they survive reloads. */
export const $outbox = atom<readonly OutboxEntry[]>([]);

const KEY = 'outbox';

/** Loads the stored outbox and keeps storage in sync. Returns the unbind function. */
export function bindOutbox(kv: KV): () => void {
  let stored: OutboxEntry[] = [];
  try {
    const parsed: unknown = JSON.parse(kv.get(KEY) ?? '[]');
    if (Array.isArray(parsed)) {
      stored = parsed.filter(
        (e): e is OutboxEntry => !!e && typeof e.cid === 'string' && typeof e.text === 'string',
      );
    }
  } catch {}
  $outbox.set(stored);
  return $outbox.listen((entries) => {
    if (entries.length) kv.set(KEY, JSON.stringify(entries));
    else kv.del(KEY);
  });
}

export function enqueue(text: string, cid: string, at: number): OutboxEntry {
  const entry = { cid, text, at };
  $outbox.set([...$outbox.get(), entry]);
  return entry;
}

export const findEntry = (cid: string): OutboxEntry | undefined => $outbox.get().find((e) => e.cid === cid);

export function removeEntry(cid: string): void {
  if (findEntry(cid)) $outbox.set($outbox.get().filter((e) => e.cid !== cid));
}

/** Marks an entry failed (`code`) or, with `undefined`, sending again. */
export function setFailed(cid: string, code: string | undefined): void {
  $outbox.set($outbox.get().map((e) => (e.cid === cid ? { ...e, failed: code } : e)));
}
