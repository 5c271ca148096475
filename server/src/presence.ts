/**
 * Agent presence: how many sockets each agent holds on this node, the status they chose,
 * and — through the cluster view — what other nodes hold of them. The visible status is
 * global: an agent with sockets on two nodes is online until both are gone, and a dead
 * node's sockets stop counting within its TTL (cluster.ts).
 *
 * When an agent's visible status changes, `changed` fires on the node that caused it (its
 * sockets or its `status` frame), or on the cluster leader when the change was learned from
 * others. When they go offline everywhere, a grace timer starts; when it ends and they are
 * still offline everywhere, `expired` re-queues their conversations (an atomic transition
 * in the database, so two nodes re-queueing at once change each conversation once).
 */
import type { AgentStatus } from '@switchboard/protocol';
import { type AgentHolding, Cluster } from './cluster.js';
import type { Timers } from './timers.js';

interface Grace {
  siteId: string;
  timer: NodeJS.Timeout;
}

export interface PresenceEvents {
  /** The visible status of an agent changed. */
  changed(agentId: string, siteId: string, status: AgentStatus): void;
  /** The agent stayed disconnected everywhere for the whole grace period. */
  expired(agentId: string, siteId: string): void;
}

export class Presence {
  private readonly local = new Map<string, AgentHolding>();
  private readonly graces = new Map<string, Grace>();
  /** The last visible status announced or learned per agent (to tell a change). */
  private readonly visible = new Map<string, AgentStatus>();

  constructor(
    private readonly graceMs: number,
    private readonly events: PresenceEvents,
    private readonly timers: Timers,
    private readonly cluster: Cluster | null = null,
  ) {}

  /** This node's holdings (cluster snapshots). */
  holdings(): AgentHolding[] {
    return [...this.local.values()].filter((h) => h.sockets > 0);
  }

  status(agentId: string): AgentStatus {
    let best: AgentHolding | null = null;
    const mine = this.local.get(agentId);
    if (mine && mine.sockets > 0) best = mine;
    for (const h of this.cluster?.agentElsewhere(agentId) ?? [])
      if (!best || h.chosenAt > best.chosenAt) best = h;
    return best ? best.chosen : 'offline';
  }

  agentsOnline(siteId: string): boolean {
    for (const p of this.local.values()) {
      if (p.siteId === siteId && p.sockets > 0 && this.status(p.agentId) === 'online') return true;
    }
    for (const h of this.cluster?.siteAgentsElsewhere(siteId) ?? [])
      if (this.status(h.agentId) === 'online') return true;
    return false;
  }

  connected(agentId: string, siteId: string): void {
    let p = this.local.get(agentId);
    if (!p) {
      // A new socket after the agent left every node: they come back online.
      const elsewhere = this.status(agentId);
      p = {
        agentId,
        siteId,
        sockets: 0,
        chosen: elsewhere === 'offline' ? 'online' : elsewhere,
        chosenAt: Date.now(),
      };
      this.local.set(agentId, p);
    }
    p.sockets++;
    if (p.sockets === 1) this.cluster?.announceAgent(p);
    this.settle(agentId, siteId, true);
  }

  disconnected(agentId: string): void {
    const p = this.local.get(agentId);
    if (!p || p.sockets === 0) return;
    p.sockets--;
    if (p.sockets > 0) return;
    // The entry (and the status they chose) stays through the grace period.
    this.cluster?.announceAgent(p);
    this.settle(agentId, p.siteId, true);
  }

  setStatus(agentId: string, status: AgentStatus): void {
    const p = this.local.get(agentId);
    if (!p || p.sockets === 0) return;
    if (this.status(agentId) === status) return;
    p.chosen = status;
    p.chosenAt = Math.max(Date.now(), p.chosenAt + 1);
    this.cluster?.announceAgent(p);
    this.settle(agentId, p.siteId, true);
  }

  /** The cluster view of an agent changed (another node's sockets or status, a dead node). */
  remoteChanged(agentId: string, siteId: string): void {
    this.settle(agentId, siteId, this.cluster?.leader ?? false);
  }

  /** Compares the visible status with the last one, announces it, starts or stops grace. */
  private settle(agentId: string, siteId: string, speak: boolean): void {
    const now = this.status(agentId);
    const before = this.visible.get(agentId) ?? 'offline';
    if (now === 'offline') {
      this.visible.delete(agentId);
      if (before !== 'offline' && speak) this.startGrace(agentId, siteId);
    } else {
      this.visible.set(agentId, now);
      this.stopGrace(agentId);
    }
    if (now !== before && speak) this.events.changed(agentId, siteId, now);
  }

  private startGrace(agentId: string, siteId: string): void {
    this.stopGrace(agentId);
    const timer = this.timers.timeout(() => {
      this.graces.delete(agentId);
      if (this.local.get(agentId)?.sockets === 0) this.local.delete(agentId);
      if (this.status(agentId) === 'offline') this.events.expired(agentId, siteId);
    }, this.graceMs);
    this.graces.set(agentId, { siteId, timer });
  }

  private stopGrace(agentId: string): void {
    const g = this.graces.get(agentId);
    if (!g) return;
    this.timers.clear(g.timer);
    this.graces.delete(agentId);
  }

  /**
   * On start: an agent who still has assigned conversations but no socket anywhere (the
   * server restarted under them) gets the same grace period as one who just dropped — if
   * they do not come back, their conversations are re-queued.
   */
  expectBack(agentId: string, siteId: string): void {
    if (this.status(agentId) !== 'offline' || this.graces.has(agentId)) return;
    this.startGrace(agentId, siteId);
  }

  /** Pending grace timers (tests check they are cleaned up). */
  get pendingGraceTimers(): number {
    return this.graces.size;
  }

  /** Agents with an entry: connected here, or disconnected and within their grace period. */
  get size(): number {
    const ids = new Set([...this.local.keys(), ...this.graces.keys()]);
    return ids.size;
  }

  close(): void {
    for (const g of this.graces.values()) this.timers.clear(g.timer);
    this.graces.clear();
    this.local.clear();
    this.visible.clear();
  }
}

export { Cluster };
