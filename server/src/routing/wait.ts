/**
 * The wait a queued visitor is told to expect: the site's recent average wait (from a
 * conversation's creation to an agent joining it, over `WAIT_WINDOW_MS`) for each place ahead
 * of and including theirs, in whole minutes rounded up (at least one). No recent waits, or a guess beyond `MAX_ESTIMATE_MS`: nothing is said
 * (a visitor is better served by "number 4 in the queue" than by "about 3 hours").
 */
export const WAIT_WINDOW_MS = 7 * 24 * 60 * 60_000;
export const MAX_ESTIMATE_MS = 60 * 60_000;

export function estimatedWait(averageWaitMs: number | null, position: number): { queueWaitMs?: number } {
  if (averageWaitMs === null || !Number.isFinite(averageWaitMs) || averageWaitMs < 0 || position < 1)
    return {};
  // Whole minutes, rounded up, at least one: what the widget says ("about 3 min").
  const ms = Math.max(1, Math.ceil((averageWaitMs * position) / 60_000)) * 60_000;
  return ms <= MAX_ESTIMATE_MS ? { queueWaitMs: ms } : {};
}
