/**
 * Sending webhook deliveries from the outbox (DESIGN.md "Integrations"): each due delivery is
 * leased, POSTed once with its signature, and recorded — delivered on a 2xx, otherwise retried
 * with exponential backoff until it is a day old. At least once: a process that dies mid-send
 * gives its leases back when they end, and the receiver de-duplicates by the event `id` (the
 * `Switchboard-Delivery` header is the same on every retry too).
 *
 * A slow or dead endpoint never slows chat: sends run off the message path, a bounded number
 * at a time, each with a timeout; redirects are not followed; and unless WEBHOOK_ALLOW_PRIVATE
 * is set, the address the name resolves to — checked at connect time, not at registration —
 * must not be loopback, link-local or private (SSRF).
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { DueDelivery, Storage } from '../storage/types.js';
import type { Timers } from '../timers.js';

export interface DeliveryConfig {
  allowPrivate: boolean;
  pollMs: number;
  timeoutMs: number;
  /** The first retry waits this long; each next one twice as long (capped at an hour). */
  retryBaseMs: number;
  /** A delivery this old (since its event) that still fails is given up. */
  maxAgeMs: number;
  /** Sends at once per process. */
  concurrency: number;
}

const MAX_RETRY_GAP_MS = 60 * 60 * 1000;
/** Enough of an error body to say what went wrong; the rest is discarded. */
const MAX_ERROR_CHARS = 200;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** The delivery body, byte for byte the same on every attempt (the event's data as stored). */
export function deliveryBody(d: DueDelivery): string {
  return `{"id":${JSON.stringify(d.eventId)},"type":${JSON.stringify(d.type)},"createdAt":${d.eventCreatedAt},"site":${JSON.stringify(d.siteId)},"data":${d.data}}`;
}

export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_GAP_MS);
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** The 8 groups of an IPv6 address (`::` expanded, a trailing dotted quad as two), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (h: string | undefined) => (h ? h.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const groups =
    halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : null;
}

/** The IPv4 address an IPv6 one carries to an IPv4 host: NAT64 (64:ff9b::/96) and 6to4 (2002::/16). */
function embeddedIPv4(address: string): string | null {
  const g = ipv6Groups(address);
  if (!g) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return v4(g[6] ?? 0, g[7] ?? 0);
  if (g[0] === 0x2002) return v4(g[1] ?? 0, g[2] ?? 0);
  return null;
}

/**
 * Loopback, private, link-local, CGNAT, multicast or unspecified: IPv4, IPv4-mapped IPv6, and
 * IPv6 that reaches such an IPv4 address through NAT64 or 6to4 (`64:ff9b::a9fe:a9fe` is the
 * cloud metadata address 169.254.169.254 behind a NAT64 gateway).
 */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1] as string, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  const carried = embeddedIPv4(address);
  if (carried !== null && PRIVATE.check(carried, 'ipv4')) return true;
  return PRIVATE.check(address, 'ipv6');
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** dns.lookup that refuses private addresses: the check holds for the address actually connected to. */
function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) {
      const e: NodeJS.ErrnoException = new Error(
        `refused: ${hostname} resolves to a private address (${bad.address}); set WEBHOOK_ALLOW_PRIVATE=1 to allow`,
      );
      e.code = 'SB_PRIVATE_ADDRESS';
      return callback(e, []);
    }
    const all = (options as { all?: boolean }).all === true;
    const first = list[0];
    if (!first) return callback(new Error(`${hostname} did not resolve`), []);
    if (all) callback(null, list);
    else callback(null, first.address, first.family);
  });
}

export interface SendResult {
  status: number | null;
  error: string | null;
}

/** One POST; never throws. */
export function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  cfg: Pick<DeliveryConfig, 'allowPrivate' | 'timeoutMs'>,
): Promise<SendResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ status: null, error: 'invalid URL' });
    }
    const literal = isIP(target.hostname.replace(/^\[|\]$/g, '')) !== 0;
    if (!cfg.allowPrivate && literal && isPrivateAddress(target.hostname.replace(/^\[|\]$/g, ''))) {
      return resolve({ status: null, error: `refused: ${target.hostname} is a private address` });
    }
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: cfg.timeoutMs,
        ...(cfg.allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < MAX_ERROR_CHARS) text += chunk;
        });
        res.on('end', () => {
          const status = res.statusCode ?? null;
          const ok = status !== null && status >= 200 && status < 300;
          resolve({
            status,
            error: ok ? null : `HTTP ${status}${text ? `: ${text.slice(0, MAX_ERROR_CHARS)}` : ''}`,
          });
        });
        res.on('error', (err) => resolve({ status: res.statusCode ?? null, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${cfg.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ status: null, error: err.message.slice(0, MAX_ERROR_CHARS) }));
    req.end(body);
  });
}

export class DeliveryWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private inFlight = 0;
  private stopped = false;

  constructor(
    private readonly storage: Storage,
    private readonly cfg: DeliveryConfig,
    private readonly timers: Timers,
    private readonly log: FastifyBaseLogger,
    /** Counts outcomes, with the time since the event was written (metrics). */
    private readonly count: (outcome: 'delivered' | 'retry' | 'failed', sinceEventMs: number) => void = () =>
      undefined,
  ) {}

  start(): void {
    this.timer = this.timers.interval(() => this.kick(), this.cfg.pollMs);
  }

  /** Looks for due deliveries now (also called after writing an event, so the first try is prompt). */
  kick(): void {
    if (this.stopped || this.running) return;
    this.running = this.drain()
      .catch((err: unknown) => this.log.error({ err }, 'webhook deliveries: lease failed'))
      .finally(() => {
        this.running = null;
      });
  }

  private async drain(): Promise<void> {
    const free = this.cfg.concurrency - this.inFlight;
    if (free <= 0) return;
    const now = Date.now();
    // The lease outlasts one attempt (timeout plus margin): nobody else sends it meanwhile.
    const due = await this.storage.leaseDueDeliveries(now, now + this.cfg.timeoutMs * 2 + 5000, free);
    for (const d of due) {
      this.inFlight++;
      this.attempt(d)
        .catch((err: unknown) =>
          this.log.error({ err, delivery: d.id }, 'webhook delivery bookkeeping failed'),
        )
        .finally(() => {
          this.inFlight--;
        });
    }
  }

  private async attempt(d: DueDelivery): Promise<void> {
    const body = deliveryBody(d);
    const t = Math.floor(Date.now() / 1000);
    const result = await post(
      d.url,
      {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Webhooks/1',
        'switchboard-event': d.type,
        'switchboard-delivery': d.id,
        'switchboard-signature': signatureHeader(d.secret, body, t),
      },
      body,
      this.cfg,
    );
    const at = Date.now();
    const attempts = d.attempts + 1;
    if (result.error === null) {
      this.count('delivered', at - d.eventCreatedAt);
      await this.storage.finishDelivery(d.id, {
        state: 'delivered',
        attempts,
        nextAt: at,
        lastStatus: result.status,
        lastError: null,
        at,
      });
      return;
    }
    const next = at + retryDelayMs(attempts, this.cfg.retryBaseMs);
    const giveUp = next - d.eventCreatedAt > this.cfg.maxAgeMs;
    this.count(giveUp ? 'failed' : 'retry', at - d.eventCreatedAt);
    this.log.warn(
      { delivery: d.id, webhook: d.webhookId, attempts, status: result.status, error: result.error },
      giveUp ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
    );
    await this.storage.finishDelivery(d.id, {
      state: giveUp ? 'failed' : 'pending',
      attempts,
      nextAt: giveUp ? at : next,
      lastStatus: result.status,
      lastError: result.error,
      at,
    });
  }

  /** Stops leasing; sends in flight finish on their own (their leases cover them). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.timers.clear(this.timer);
    await this.running;
  }
}
