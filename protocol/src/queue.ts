/**
 * The order of a queue, one rule for the server (which assigns and tells positions) and the
 * console (which lists the queue): conversations placed at the front first (a transfer to a
 * department, or put back when their agent went away), then the longest waiting; ties by id.
 */
export interface Queued {
  id: string;
  queuedAt: number;
  queueFront: boolean;
}

export function queueOrder(a: Queued, b: Queued): number {
  return (
    Number(b.queueFront) - Number(a.queueFront) ||
    a.queuedAt - b.queuedAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
