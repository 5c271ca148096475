/**
 * Agent presence (in memory, per process): how many sockets each agent holds, the status
 * they chose, and the grace timer that re-queues their conversations when they stay away.
 * One timer per *dropped agent* (not per socket), cleared when they come back.
 */
import type { AgentStatus } from '@switchboard/protocol';
import type { Timers } from './timers.js';

interface AgentPresence {
  siteId: string;
  sockets: number;
  /** What the agent chose with `status` (online/away); shown while connected. */
  chosen: AgentStatus;
  grace: NodeJS.Timeout | null;
}

export interface PresenceEvents {
  /** The visible status of an agent changed. */
  changed(agentId: string, siteId: string, status: AgentStatus): void;
  /** The agent stayed disconnected for the whole grace period. */
  expired(agentId: string, siteId: string): void;
}

export class Presence {
  private readonly agents = new Map<string, AgentPresence>();

  constructor(
    private readonly graceMs: number,
    private readonly events: PresenceEvents,
    private readonly timers: Timers,
  ) {}

  status(agentId: string): AgentStatus {
    const p = this.agents.get(agentId);
    if (!p || p.sockets === 0) return 'offline';
    return p.chosen;
  }

  agentsOnline(siteId: string): boolean {
    for (const p of this.agents.values()) {
      if (p.siteId === siteId && p.sockets > 0 && p.chosen === 'online') return true;
    }
    return false;
  }

  connected(agentId: string, siteId: string): void {
    let p = this.agents.get(agentId);
    if (!p) {
      p = { siteId, sockets: 0, chosen: 'online', grace: null };
      this.agents.set(agentId, p);
    }
    this.timers.clear(p.grace);
    p.grace = null;
    p.sockets++;
    if (p.sockets === 1) this.events.changed(agentId, siteId, p.chosen);
  }

  disconnected(agentId: string): void {
    const p = this.agents.get(agentId);
    if (!p || p.sockets === 0) return;
    p.sockets--;
    if (p.sockets > 0) return;
    this.events.changed(agentId, p.siteId, 'offline');
    this.startGrace(agentId, p);
  }

  private startGrace(agentId: string, p: AgentPresence): void {
    this.timers.clear(p.grace);
    p.grace = this.timers.timeout(() => {
      p.grace = null;
      if (p.sockets === 0) {
        this.agents.delete(agentId);
        this.events.expired(agentId, p.siteId);
      }
    }, this.graceMs);
  }

  /**
   * On start: an agent who still has assigned conversations but no socket here (the server
   * restarted under them) gets the same grace period as one who just dropped — if they do
   * not come back, their conversations are re-queued.
   */
  expectBack(agentId: string, siteId: string): void {
    if (this.agents.has(agentId)) return;
    const p: AgentPresence = { siteId, sockets: 0, chosen: 'online', grace: null };
    this.agents.set(agentId, p);
    this.startGrace(agentId, p);
  }

  setStatus(agentId: string, status: AgentStatus): void {
    const p = this.agents.get(agentId);
    if (!p || p.sockets === 0) return;
    if (p.chosen === status) return;
    p.chosen = status;
    this.events.changed(agentId, p.siteId, status);
  }

  /** Pending grace timers (tests check they are cleaned up). */
  get pendingGraceTimers(): number {
    let n = 0;
    for (const p of this.agents.values()) if (p.grace) n++;
    return n;
  }

  /** Agents with an entry: connected, or disconnected and within their grace period. */
  get size(): number {
    return this.agents.size;
  }

  close(): void {
    for (const p of this.agents.values()) {
      this.timers.clear(p.grace);
      p.grace = null;
    }
    this.agents.clear();
  }
}
