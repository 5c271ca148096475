import type { AttachmentUpload } from '@switchboard/protocol';
import type { KV } from '../storage';
import { atom } from '../store';
import { $proactive } from './proactive';

/** A message written by the visitor and not yet acknowledged by the server. */
export interface OutboxEntry {
  cid: string;
  text: string;
  /** Local creation time (epoch ms), for display and order. */
  at: number;
  /** Error code when the server refused it ("Not sent"); absent while sending. */
  failed?: string;
  /** A file's upload, 0…1, while its bytes are on the way (nothing is sent before they are all stored). */
  u?: number | null;
  /** The file once stored: sent with the message (only its id travels in the frame). */
  a?: AttachmentUpload;
  /** The proactive message (its rule's id) it replies to: the server starts the conversation with that line. */
  p?: string;
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
        // An upload cut by the reload cannot go on (the file was in memory): it is dropped.
        (e): e is OutboxEntry =>
          !!e && typeof e.cid === 'string' && typeof e.text === 'string' && e.u == null,
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
  const entry = { cid, text, at, p: $proactive.get()?.r.id };
  $outbox.set([...$outbox.get(), entry]);
  return entry;
}

export const findEntry = (cid: string): OutboxEntry | undefined => $outbox.get().find((e) => e.cid === cid);

export function removeEntry(cid: string): void {
  if (findEntry(cid)) $outbox.set($outbox.get().filter((e) => e.cid !== cid));
}

/** Changes an entry: `failed` a code ("Not sent") or `undefined` (sending again), the upload's progress, the stored file. */
export function patch(cid: string, p: Partial<OutboxEntry>): void {
  $outbox.set($outbox.get().map((e) => (e.cid === cid ? { ...e, ...p } : e)));
}
