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

/** Who looks at the queue: an agent, their role and departments. */
export interface QueueViewer {
  id: string;
  role: 'agent' | 'admin';
  departments: readonly string[];
}

/**
 * Whether an agent sees a conversation (the server's fan-out and the console's lists): admins
 * see all; an agent sees the conversations assigned to them, those without a department, and
 * those of their departments — an agent without departments takes every department.
 */
export function seesConversation(
  viewer: QueueViewer,
  conv: { department: string | null; agentId: string | null },
): boolean {
  return (
    viewer.role === 'admin' ||
    viewer.departments.length === 0 ||
    conv.department === null ||
    conv.agentId === viewer.id ||
    viewer.departments.includes(conv.department)
  );
}
