import type { WebSocket } from 'ws';
import type { AgentRecord, VisitClient, VisitorRecord } from '../chat/index.js';
import type { LimitsConfig } from '../config.js';
import type { HubClient } from '../hub.js';
import { InvalidFrameCounter, TokenBucket } from './rate-limit.js';

export interface VisitorPrincipal {
  kind: 'visitor';
  siteId: string;
  visitor: VisitorRecord;
  /** What the upgrade's User-Agent and Accept-Language said, until `hello` stores it with the visit. */
  client?: VisitClient;
}
export interface AgentPrincipal {
  kind: 'agent';
  agent: AgentRecord;
  /** The console session of the token it connected with (its sockets close when it ends). */
  sid?: string;
}
export type Principal = VisitorPrincipal | AgentPrincipal;

/** Per-socket state: small, no timers (the hub's sweep does heartbeats). */
export class Connection implements HubClient {
  isAlive = true;
  readonly topics: string[] = [];
  held: string[] | null = null;
  closing = false;
  /** `hello` received (a second one is refused). */
  greeted = false;
  /** Waiting in the hello deadline's queue. */
  awaitingHello = false;
  /** Socket-cap slots this socket holds (`Limits.acquire` keys), released on close. */
  readonly slots: string[] = [];
  /** Frames are handled one after another per socket, so a client's order is kept. */
  chain: Promise<void> = Promise.resolve();
  /** Message-like frames (send, note, typing, profile). */
  readonly bucket: TokenBucket;
  /** Every other frame type but ping. */
  readonly controlBucket: TokenBucket;
  /** Created on the first invalid frame: most sockets never send one. */
  private invalidCounter: InvalidFrameCounter | null = null;

  constructor(
    readonly ws: WebSocket,
    readonly principal: Principal,
    private readonly limits: LimitsConfig,
    /** The client's address (behind trusted proxies: from X-Forwarded-For). */
    readonly address: string,
  ) {
    this.bucket = new TokenBucket(limits.rateBurst, limits.rateRefillPerSec);
    this.controlBucket = new TokenBucket(limits.controlRateBurst, limits.controlRateRefillPerSec);
  }

  get invalid(): InvalidFrameCounter {
    this.invalidCounter ??= new InvalidFrameCounter(
      this.limits.maxInvalidFrames,
      this.limits.invalidWindowMs,
    );
    return this.invalidCounter;
  }
}
