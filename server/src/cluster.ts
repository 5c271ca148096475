/**
 * What the other gateway nodes hold, learned over the bus (topic `_cluster`): which agents
 * have sockets there (and the status they chose) and which visitors have a tab open there.
 * Each node announces its changes as they happen, sends a snapshot of its agents every
 * heartbeat (and which sites it changed), answers a newcomer's `hi` with a full snapshot (agents and visitors) and says
 * `bye` when it stops. A node not heard from for three heartbeats is dead: what it held
 * stops counting. With the in-process bus there are no other nodes and this does nothing.
 */
import type { AgentStatus } from '@switchboard/protocol';
import type { Bus, BusEnvelope } from './bus/types.js';
import type { Timers } from './timers.js';

export const CLUSTER_TOPIC = '_cluster';

/** One agent's sockets on one node. */
export interface AgentHolding {
  agentId: string;
  siteId: string;
  sockets: number;
  chosen: AgentStatus;
  /** When `chosen` was set (the newest choice over all nodes wins). */
  chosenAt: number;
}

export interface ClusterLocal {
  agents(): AgentHolding[];
  visitors(): Array<[visitorId: string, siteId: string]>;
}

export interface ClusterEvents {
  /** What other nodes hold of this agent changed. */
  agent(agentId: string, siteId: string): void;
  /** Whether other nodes hold a tab of this visitor changed. */
  visitor(visitorId: string, siteId: string): void;
  /** Another node changed a site's settings. */
  site(siteId: string): void;
  /** Another node erased a visitor: their sockets here close. */
  erased(visitorId: string, siteId: string): void;
  /** A console session ended on another node: its sockets here close. */
  sessionEnded(sessionId: string): void;
}

type AgentRow = [agentId: string, siteId: string, sockets: number, chosen: AgentStatus, chosenAt: number];

type Message =
  | { n: string; k: 'hi' }
  | { n: string; k: 'bye' }
  | { n: string; k: 'a'; a: AgentRow }
  | { n: string; k: 'snap'; a: AgentRow[]; v?: Array<[string, string]> }
  | { n: string; k: 'v'; id: string; s: string; on: boolean }
  | { n: string; k: 's'; id: string }
  | { n: string; k: 'x'; id: string; s: string }
  | { n: string; k: 'e'; id: string };

interface NodeView {
  heard: number;
  agents: Map<string, AgentHolding>;
  visitors: Map<string, string>;
}

export class Cluster {
  private readonly nodes = new Map<string, NodeView>();
  private readonly enabled: boolean;
  private events: ClusterEvents | null = null;
  private local: ClusterLocal | null = null;
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly timers: Timers,
    private readonly heartbeatMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.enabled = bus.kind !== 'memory';
  }

  get node(): string {
    return this.bus.node;
  }

  /** Subscribes, asks the others for their snapshots and starts the heartbeat. */
  async start(local: ClusterLocal, events: ClusterEvents): Promise<void> {
    this.local = local;
    this.events = events;
    if (!this.enabled) return;
    await this.bus.subscribe(CLUSTER_TOPIC, this.onEnvelope);
    this.send({ n: this.node, k: 'hi' });
    this.timers.interval(() => this.beat(), this.heartbeatMs);
  }

  /** Call after the bus came back from an outage: everyone re-sends what they hold. */
  resync(): void {
    if (this.enabled && !this.closed) this.send({ n: this.node, k: 'hi' });
  }

  private beat(): void {
    if (this.closed) return;
    this.send({ n: this.node, k: 'snap', a: this.localAgents() });
    const deadline = this.now() - 3 * this.heartbeatMs;
    for (const [id, view] of this.nodes) if (view.heard < deadline) this.drop(id);
  }

  private localAgents(): AgentRow[] {
    return (this.local?.agents() ?? []).map((h) => [h.agentId, h.siteId, h.sockets, h.chosen, h.chosenAt]);
  }

  private send(m: Message): void {
    this.bus.publish([CLUSTER_TOPIC], JSON.stringify(m));
  }

  /** This node's agent holding changed (sockets or chosen status). */
  announceAgent(h: AgentHolding): void {
    if (!this.enabled || this.closed) return;
    this.send({ n: this.node, k: 'a', a: [h.agentId, h.siteId, h.sockets, h.chosen, h.chosenAt] });
  }

  /** This node's first tab of a visitor opened (`on`) or its last one closed. */
  announceVisitor(visitorId: string, siteId: string, on: boolean): void {
    if (!this.enabled || this.closed) return;
    this.send({ n: this.node, k: 'v', id: visitorId, s: siteId, on });
  }

  /** This node changed a site's settings: the others refresh their cached row. */
  announceSite(siteId: string): void {
    if (!this.enabled || this.closed) return;
    this.send({ n: this.node, k: 's', id: siteId });
  }

  /** This node erased a visitor: the others close their sockets. */
  announceErased(visitorId: string, siteId: string): void {
    if (!this.enabled || this.closed) return;
    this.send({ n: this.node, k: 'x', id: visitorId, s: siteId });
  }

  /** A console session ended here: the other nodes close its sockets. */
  announceSessionEnded(sessionId: string): void {
    if (!this.enabled || this.closed) return;
    this.send({ n: this.node, k: 'e', id: sessionId });
  }

  /** What other live nodes hold of an agent. */
  agentElsewhere(agentId: string): AgentHolding[] {
    const out: AgentHolding[] = [];
    for (const v of this.nodes.values()) {
      const h = v.agents.get(agentId);
      if (h && h.sockets > 0) out.push(h);
    }
    return out;
  }

  /** Agents of a site with sockets on other live nodes. */
  siteAgentsElsewhere(siteId: string): AgentHolding[] {
    const out: AgentHolding[] = [];
    for (const v of this.nodes.values())
      for (const h of v.agents.values()) if (h.siteId === siteId && h.sockets > 0) out.push(h);
    return out;
  }

  visitorElsewhere(visitorId: string): boolean {
    for (const v of this.nodes.values()) if (v.visitors.has(visitorId)) return true;
    return false;
  }

  /**
   * Whether this node speaks for the cluster about changes it learned from others (a dead
   * node's agents, two nodes dropping the same agent at once): the live node with the
   * smallest id does, so such a change is announced once.
   */
  get leader(): boolean {
    for (const id of this.nodes.keys()) if (id < this.node) return false;
    return true;
  }

  /** Other nodes heard from within the last three heartbeats. */
  get peers(): number {
    return this.nodes.size;
  }

  private readonly onEnvelope = (env: BusEnvelope): void => {
    if (env.origin === this.node || this.closed) return;
    let m: Message;
    try {
      m = JSON.parse(env.payload) as Message;
    } catch {
      return;
    }
    if (typeof m.n !== 'string' || m.n === this.node) return;
    if (m.k === 'bye') {
      this.drop(m.n);
      return;
    }
    // A node we did not know (or had given up as dead after a stall): ask everyone for a
    // full snapshot, or its visitors would stay unknown until it restarts.
    const stranger = !this.nodes.has(m.n) && m.k !== 'hi' && !(m.k === 'snap' && m.v);
    const view = this.view(m.n);
    if (stranger) this.send({ n: this.node, k: 'hi' });
    switch (m.k) {
      case 'hi':
        this.send({
          n: this.node,
          k: 'snap',
          a: this.localAgents(),
          v: this.local?.visitors() ?? [],
        });
        return;
      case 'a':
        this.setAgent(view, m.a);
        return;
      case 'snap': {
        const seen = new Set<string>();
        for (const row of m.a) {
          seen.add(row[0]);
          this.setAgent(view, row);
        }
        for (const [id, h] of [...view.agents]) {
          if (seen.has(id)) continue;
          view.agents.delete(id);
          this.events?.agent(id, h.siteId);
        }
        if (m.v) {
          const vs = new Map(m.v);
          for (const [id, site] of [...view.visitors])
            if (!vs.has(id)) {
              view.visitors.delete(id);
              this.events?.visitor(id, site);
            }
          for (const [id, site] of vs)
            if (!view.visitors.has(id)) {
              view.visitors.set(id, site);
              this.events?.visitor(id, site);
            }
        }
        return;
      }
      case 's':
        this.events?.site(m.id);
        return;
      case 'x':
        this.events?.erased(m.id, m.s);
        return;
      case 'e':
        this.events?.sessionEnded(m.id);
        return;
      case 'v':
        if (m.on === view.visitors.has(m.id)) return;
        if (m.on) view.visitors.set(m.id, m.s);
        else view.visitors.delete(m.id);
        this.events?.visitor(m.id, m.s);
        return;
    }
  };

  private view(node: string): NodeView {
    let v = this.nodes.get(node);
    if (!v) {
      v = { heard: 0, agents: new Map(), visitors: new Map() };
      this.nodes.set(node, v);
    }
    v.heard = this.now();
    return v;
  }

  private setAgent(view: NodeView, [agentId, siteId, sockets, chosen, chosenAt]: AgentRow): void {
    const cur = view.agents.get(agentId);
    if (cur && cur.sockets === sockets && cur.chosen === chosen && cur.chosenAt === chosenAt) return;
    if (sockets > 0) view.agents.set(agentId, { agentId, siteId, sockets, chosen, chosenAt });
    else view.agents.delete(agentId);
    this.events?.agent(agentId, siteId);
  }

  /** A node said bye or went silent: what it held stops counting. */
  private drop(node: string): void {
    const view = this.nodes.get(node);
    if (!view) return;
    this.nodes.delete(node);
    for (const h of view.agents.values()) this.events?.agent(h.agentId, h.siteId);
    for (const [id, site] of view.visitors) this.events?.visitor(id, site);
  }

  close(): void {
    if (this.closed) return;
    if (this.enabled) {
      this.send({ n: this.node, k: 'bye' });
      this.bus.unsubscribe(CLUSTER_TOPIC, this.onEnvelope);
    }
    this.closed = true;
    this.nodes.clear();
  }
}
