/**
 * Agent presence (in memory, per process): how many sockets each agent holds, the status
 * they chose, and the grace timer that re-queues their conversations when they stay away.
 * One timer per *dropped agent* (not per socket), cleared when they come back.
 */
import type { AgentStatus } from '@switchboard/protocol';

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
    if (p.grace) {
      clearTimeout(p.grace);
      p.grace = null;
    }
    p.sockets++;
    if (p.sockets === 1) this.events.changed(agentId, siteId, p.chosen);
  }

  disconnected(agentId: string): void {
    const p = this.agents.get(agentId);
    if (!p || p.sockets === 0) return;
    p.sockets--;
    if (p.sockets > 0) return;
    this.events.changed(agentId, p.siteId, 'offline');
    p.grace = setTimeout(() => {
      p.grace = null;
      if (p.sockets === 0) {
        this.agents.delete(agentId);
        this.events.expired(agentId, p.siteId);
      }
    }, this.graceMs);
    p.grace.unref();
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

  close(): void {
    for (const p of this.agents.values()) {
      if (p.grace) clearTimeout(p.grace);
      p.grace = null;
    }
    this.agents.clear();
  }
}
