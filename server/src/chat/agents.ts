/** Agents: the name cache summaries use, and `AgentInfo` with live status. */
import type { AgentInfo } from '@switchboard/protocol';
import type { Presence } from '../presence.js';
import type { ActingAgent } from '../routing/index.js';
import type { AgentRecord, Storage } from '../storage/types.js';

export function actingAgent(a: AgentRecord): ActingAgent {
  return { id: a.id, name: a.name, role: a.role };
}

export class Agents {
  /** Agent names change rarely; agents are never deleted in this version. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly storage: Storage,
    private readonly presence: Presence,
  ) {}

  /** Accounts may have been renamed: names are read again. */
  forgetAll(): void {
    this.names.clear();
  }

  async name(id: string): Promise<string | null> {
    const cached = this.names.get(id);
    if (cached !== undefined) return cached;
    const a = await this.storage.getAccount(id);
    if (!a) return null;
    this.names.set(id, a.name);
    return a.name;
  }

  info(a: AgentRecord): AgentInfo {
    return {
      id: a.id,
      siteId: a.siteId,
      email: a.email,
      name: a.name,
      role: a.role,
      status: this.presence.status(a.id),
    };
  }
}
