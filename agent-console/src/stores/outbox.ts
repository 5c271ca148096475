import type { AttachmentUpload } from '@switchboard/protocol';
import { atom } from 'nanostores';
import { readJson, writeJson } from '../lib/storage.js';

/**
 * Replies and notes written by this agent that the server has not acked yet. Each keeps its
 * `cid` for life: after a reconnect (or a reload — the outbox is kept in localStorage) it is
 * resent with the same `cid`, and the server stores it at most once.
 */
export interface OutboxEntry {
  cid: string;
  conversationId: string;
  kind: 'send' | 'note';
  text: string;
  /** A file uploaded already, sent with this reply (its bytes are on the server; only the id travels). */
  attachment?: AttachmentUpload;
  /** When the agent wrote it (orders resends and the pending lines). */
  at: number;
  /** queued: waiting for a live socket · inflight: sent, no ack yet · failed: refused by the server. */
  state: 'queued' | 'inflight' | 'failed';
  error: string | null;
}

export const $outbox = atom<readonly OutboxEntry[]>([]);

export function enqueue(entry: Omit<OutboxEntry, 'state' | 'error'>): OutboxEntry {
  const full: OutboxEntry = { ...entry, state: 'queued', error: null };
  $outbox.set([...$outbox.get(), full]);
  return full;
}

function update(cid: string, patch: Partial<OutboxEntry>): void {
  $outbox.set($outbox.get().map((e) => (e.cid === cid ? { ...e, ...patch } : e)));
}

export function markInflight(cid: string): void {
  update(cid, { state: 'inflight', error: null });
}

/** Back to `queued` for a resend: the socket dropped before the server answered. */
export function requeueInflight(): void {
  if ($outbox.get().some((e) => e.state === 'inflight')) {
    $outbox.set($outbox.get().map((e) => (e.state === 'inflight' ? { ...e, state: 'queued' } : e)));
  }
}

/** The server committed it: remove and return the entry (null if it was not ours). */
export function settle(cid: string): OutboxEntry | null {
  const entry = $outbox.get().find((e) => e.cid === cid) ?? null;
  if (entry) $outbox.set($outbox.get().filter((e) => e.cid !== cid));
  return entry;
}

export function fail(cid: string, error: string): void {
  update(cid, { state: 'failed', error });
}

/** Put a refused entry back in line (the agent pressed Retry), keeping its cid. */
export function retry(cid: string): void {
  update(cid, { state: 'queued', error: null });
}

export function discard(cid: string): void {
  settle(cid);
}

export function isOutboxCid(cid: string): boolean {
  return $outbox.get().some((e) => e.cid === cid);
}

/** Entries to send now, oldest first. */
export function dueEntries(): OutboxEntry[] {
  return $outbox
    .get()
    .filter((e) => e.state === 'queued')
    .sort((a, b) => a.at - b.at);
}

const storageKey = (agentId: string) => `switchboard.console.outbox.${agentId}`;

/** Load this agent's saved outbox and keep saving it; returns the unbind function. */
export function bindOutboxStorage(agentId: string): () => void {
  const saved = readJson<OutboxEntry[]>(storageKey(agentId)) ?? [];
  // Anything in flight when the page went away is unknown: resend it (same cid).
  $outbox.set(saved.map((e) => (e.state === 'inflight' ? { ...e, state: 'queued' } : e)));
  return $outbox.listen((entries) => writeJson(storageKey(agentId), entries.length ? entries : null));
}
