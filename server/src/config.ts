/**
 * Configuration: environment variables → one typed object. Read once in main.ts;
 * tests pass overrides to buildApp instead of touching process.env.
 */

import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { Limits } from '@switchboard/protocol';
import type { LogFormat } from './log-format.js';
import { checkSmtpUrl } from './mail/mailer.js';

export type SqliteSynchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LimitsConfig {
  /** Soft frame limit: larger frames get SB_ERR_TOO_LARGE and are dropped; the socket stays. */
  maxPayloadBytes: number;
  /** Hard frame limit handed to ws (`maxPayload`): the socket is closed with 1009. */
  hardMaxPayloadBytes: number;
  maxTextChars: number;
  rateBurst: number;
  rateRefillPerSec: number;
  /**
   * Every other frame but `ping` (read, open, claim, transfer, close, status, history…) draws
   * on a second per-socket bucket, so a flood of cheap frames cannot turn into writes and fan-out.
   */
  controlRateBurst: number;
  controlRateRefillPerSec: number;
  maxInvalidFrames: number;
  invalidWindowMs: number;
  heartbeatMs: number;
  /** A socket whose unsent buffer grows beyond this is closed with 4413 SlowConsumer. */
  maxBufferedBytes: number;
  /** No frame larger than this is ever sent (it is logged and dropped instead). */
  maxOutgoingFrameBytes: number;
  /** A `history` page: at most this many messages and this many bytes (at least one message). */
  historyPageMessages: number;
  historyPageBytes: number;
  /** A socket the server closed is terminated if the peer has not completed the close within this. */
  closeGraceMs: number;
  /** HTTP requests per minute per IP on POST /api/auth/login (0 = no limit). */
  loginPerMinute: number;
  /** HTTP requests per minute per IP on POST /api/visitor/session (0 = no limit). */
  sessionPerMinute: number;
  /** New conversations per minute per site, over every node (0 = no cap): over it, SB_ERR_RATE_LIMITED. */
  siteNewConversationsPerMinute: number;
  /** Open sockets per visitor / per agent / per client address (0 = no cap): over it, close 4429. */
  maxSocketsPerVisitor: number;
  maxSocketsPerAgent: number;
  maxSocketsPerAddress: number;
  /** WebSocket upgrades per client address: a token bucket (burst 0 = no limit); over it, HTTP 429. */
  upgradeBurst: number;
  upgradeRefillPerSec: number;
  /** Frames per client address, all its visitors and agents together (burst 0 = no limit). */
  addressRateBurst: number;
  addressRateRefillPerSec: number;
  /** A socket that has not sent `hello` this long after the upgrade is closed with 4407. */
  helloTimeoutMs: number;
  /** Visitor online/offline frames to agents: at most one per visitor per this window, the last state wins. */
  presenceCoalesceMs: number;
  /** Failed sign-ins per account before the backoff starts. */
  loginAccountFreeFailures: number;
  /** First wait of the per-account sign-in backoff; doubles with each further failure. */
  loginBackoffMs: number;
  loginBackoffMaxMs: number;
}

/**
 * Which peers may set X-Forwarded-For: nobody (false, the default: the TCP peer is the
 * client), the nearest N hops, or proxies at these addresses / CIDRs (Fastify's `trustProxy`).
 */
export type TrustProxy = false | number | string[];

export interface Config {
  port: number;
  /** HOST; null (unset): every interface, or loopback only while the demo accounts exist (main.ts). */
  host: string | null;
  /** `sqlite:<path>` (relative paths resolve against the working directory) or `postgres://…`. */
  databaseUrl: string;
  dataDir: string;
  /** null = in-process bus. */
  redisUrl: string | null;
  /** Prefix of every Redis channel and key; nodes of one installation share it (`sb:`). */
  redisPrefix: string;
  /** With several nodes: how often each tells the others what it holds; silent for 3× = dead. */
  clusterHeartbeatMs: number;
  /** How often each server checks for administration changes made elsewhere (CLI, other nodes). */
  adminPollMs: number;
  /** RETENTION_SWEEP_MS: how often each server deletes closed conversations past their site's retention. */
  retentionSweepMs: number;
  /** Webhook deliveries (webhooks/deliver.ts). */
  webhooks: {
    /** WEBHOOK_ALLOW_PRIVATE=1: endpoints on loopback and private networks are allowed (tests, intranets). */
    allowPrivate: boolean;
    pollMs: number;
    timeoutMs: number;
    retryBaseMs: number;
    maxAgeMs: number;
    concurrency: number;
  };
  /** Files sent with messages (chat/attachments.ts). */
  attachments: {
    /** ATTACHMENT_MAX_BYTES: the largest upload (default 10 MB). */
    maxBytes: number;
    /** ATTACHMENT_URL_TTL_S: how long a signed link to a file stays valid (default 3600 s). */
    urlTtlMs: number;
  };
  /** Outgoing mail (mail/mailer.ts); `smtpUrl` unset: no mail at all. */
  mail: {
    /** SMTP_URL: `smtp://host:port` or `smtps://user:pass@host:465`. */
    smtpUrl: string | null;
    /** MAIL_FROM: the sender of every mail. */
    from: string;
    /** MAIL_REPLY_DELAY_MS: how long an agent's reply waits for an offline visitor before it is mailed (replies meanwhile join it). */
    replyDelayMs: number;
    /** MAIL_DIGEST_DELAY_MS: how long after a message left while nobody was online the agents' digest goes (messages meanwhile join it). */
    digestDelayMs: number;
  };
  /** The first-run setup token (SETUP_TOKEN); null: a random one per start, printed in the banner. */
  setupToken: string | null;
  /** METRICS_TOKEN: `/metrics` needs it as a Bearer token; null: it answers this machine only. */
  metricsToken: string | null;
  /** TLS_CERT_FILE and TLS_KEY_FILE (PEM): serve HTTPS and wss; null: plain HTTP (behind a TLS proxy). */
  tls: { certFile: string; keyFile: string } | null;
  /** null = generated on first start and kept in the database's `settings` table. */
  jwtSecret: string | null;
  publicUrl: string | null;
  trustProxy: TrustProxy;
  logLevel: LogLevel;
  /** LOG_FORMAT: `auto` (pretty on a terminal, JSON lines otherwise), `pretty` or `json`. */
  logFormat: LogFormat;
  seed: boolean;
  /**
   * With the demo seed, also a fortnight of closed, rated demo conversations, so Reports and
   * Closed show something on first start (`SEED_HISTORY=0`: none; tests run without).
   */
  seedHistory: boolean;
  /** An agent offline longer than this gets their assigned conversations re-queued. */
  agentGraceMs: number;
  /**
   * NORMAL by default. In WAL mode a commit under NORMAL has written its frames to the WAL
   * file (the OS page cache) before it returns, so "acked ⇒ committed" holds across a crash
   * of the process (kill -9, OOM kill, uncaught exception): the kernel still writes the page
   * cache out. Only an OS crash or power loss before the next WAL checkpoint/fsync can lose
   * the last commits. FULL additionally fsyncs the WAL on every commit (survives power loss)
   * at ~1 ms of blocked event loop per commit; set SQLITE_SYNCHRONOUS=FULL for that.
   */
  sqliteSynchronous: SqliteSynchronous;
  /**
   * scrypt cost of new password hashes (a power of two; r=8, p=1). Default 2^17 (OWASP);
   * each hash then holds ~128 MiB while it runs. A stored hash of a lower cost is rehashed
   * at its next successful sign-in. Tests lower it.
   */
  scryptN: number;
  /** Password hashes running at once (sign-in, the unknown-email dummy, seeding). */
  scryptConcurrency: number;
  /** Password hashes waiting for a slot; one more sign-in gets HTTP 429 instead of queueing. */
  scryptMaxQueue: number;
  /**
   * permessage-deflate on the WebSocket endpoints (WS_DEFLATE, docs/performance.md "Bytes on a
   * shopper's phone"): negotiated only with clients that offer it, no context takeover on
   * either side (no per-socket zlib window kept between frames), frames below `threshold`
   * bytes sent uncompressed, at most `concurrency` zlib jobs at once.
   */
  wsDeflate: {
    enabled: boolean;
    /** WS_DEFLATE_THRESHOLD: frames smaller than this (bytes of JSON) are never compressed. */
    threshold: number;
    /** WS_DEFLATE_LEVEL: zlib level 1–9. */
    level: number;
    /** WS_DEFLATE_CONCURRENCY: zlib jobs running at once (ws `concurrencyLimit`). */
    concurrency: number;
    /**
     * WS_DEFLATE_WINDOW_BITS (9–15): the LZ77 window of the server's deflate
     * (server_max_window_bits). ws keeps a socket's zlib streams (reset, not freed) once
     * used, and the window is most of what they hold. The client's window stays its own
     * choice: asking for client_max_window_bits would refuse offers that do not name it
     * (Firefox's), and ws answers a refused offer with HTTP 400.
     */
    windowBits: number;
    /** WS_DEFLATE_MEM_LEVEL (1–9): zlib memLevel of the server's deflate (hash table and buffer size). */
    memLevel: number;
  };
  limits: LimitsConfig;
}

export type ConfigOverrides = Partial<
  Omit<Config, 'limits' | 'webhooks' | 'mail' | 'attachments' | 'wsDeflate'>
> & {
  limits?: Partial<LimitsConfig>;
  wsDeflate?: Partial<Config['wsDeflate']>;
  attachments?: Partial<Config['attachments']>;
  webhooks?: Partial<Config['webhooks']>;
  mail?: Partial<Config['mail']>;
};

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return n;
}

function str(env: Env, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? null : raw.trim();
}

export const DEFAULT_SCRYPT_N = 2 ** 17;
export const MIN_SCRYPT_N = 2 ** 10;
/** 2^18 with r=8 is 256 MiB per hash: the most a stored or configured hash may cost. */
export const MAX_SCRYPT_N = 2 ** 18;

/** The scrypt cost: a power of two in [2^10, 2^18]; anything else is a clear error at start. */
export function checkScryptN(n: number, source = 'SCRYPT_N'): number {
  const pow2 = Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  if (!pow2 || n < MIN_SCRYPT_N || n > MAX_SCRYPT_N) {
    throw new Error(
      `${source} must be a power of two from ${MIN_SCRYPT_N} (2^10) to ${MAX_SCRYPT_N} (2^18), got "${n}"; the default is ${DEFAULT_SCRYPT_N} (2^17)`,
    );
  }
  return n;
}

function scryptN(env: Env): number {
  const raw = env.SCRYPT_N;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SCRYPT_N;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isNaN(n)) {
    throw new Error(
      `SCRYPT_N must be a power of two from ${MIN_SCRYPT_N} (2^10) to ${MAX_SCRYPT_N} (2^18), got "${raw}"; the default is ${DEFAULT_SCRYPT_N} (2^17)`,
    );
  }
  return checkScryptN(n);
}

const LOG_FORMATS: readonly LogFormat[] = ['auto', 'pretty', 'json'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SYNC_LEVELS: readonly SqliteSynchronous[] = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

export function defaultLimits(): LimitsConfig {
  return {
    maxPayloadBytes: Limits.maxPayloadBytes,
    hardMaxPayloadBytes: Limits.hardMaxPayloadBytes,
    maxTextChars: Limits.maxTextChars,
    rateBurst: Limits.rateBurst,
    rateRefillPerSec: Limits.rateRefillPerSecond,
    controlRateBurst: 120,
    controlRateRefillPerSec: 20,
    maxInvalidFrames: Limits.maxInvalidFrames,
    invalidWindowMs: Limits.invalidWindowMs,
    heartbeatMs: Limits.heartbeatIntervalMs,
    maxBufferedBytes: 1024 * 1024,
    maxOutgoingFrameBytes: 1024 * 1024,
    historyPageMessages: Limits.historyPageMessages,
    historyPageBytes: Limits.historyPageBytes,
    closeGraceMs: 2000,
    loginPerMinute: 60,
    sessionPerMinute: 600,
    siteNewConversationsPerMinute: 120,
    maxSocketsPerVisitor: 10,
    maxSocketsPerAgent: 10,
    maxSocketsPerAddress: 500,
    upgradeBurst: 120,
    upgradeRefillPerSec: 2,
    addressRateBurst: 300,
    addressRateRefillPerSec: 30,
    helloTimeoutMs: 10_000,
    presenceCoalesceMs: 1000,
    loginAccountFreeFailures: 5,
    loginBackoffMs: 1000,
    loginBackoffMaxMs: 15 * 60_000,
  };
}

/** WS_DEFLATE when unset (the figures are in docs/performance.md). */
const DEFAULT_WS_DEFLATE = 'off';

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** `TRUST_PROXY`: off | a hop count | a comma list of addresses, CIDRs or proxy-addr names. */
export function parseTrustProxy(raw: string | null): TrustProxy {
  if (raw === null) return false;
  const v = raw.trim().toLowerCase();
  if (['', '0', 'off', 'false', 'no'].includes(v)) return false;
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const e of entries) {
    if (PROXY_NAMES.includes(e)) continue;
    const [addr, prefix, extra] = e.split('/');
    const family = isIP(addr ?? '');
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new Error(
        `TRUST_PROXY: "${e}" is not an address or CIDR; use off, a hop count, or a comma list such as 10.0.0.1,192.168.0.0/16`,
      );
    }
  }
  return entries.length > 0 ? entries : false;
}

function tlsConfig(env: Env): Config['tls'] {
  const certFile = str(env, 'TLS_CERT_FILE');
  const keyFile = str(env, 'TLS_KEY_FILE');
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile)
    throw new Error('TLS_CERT_FILE and TLS_KEY_FILE go together: set both, or neither');
  for (const [name, file] of [
    ['TLS_CERT_FILE', certFile],
    ['TLS_KEY_FILE', keyFile],
  ] as const) {
    if (!existsSync(file)) throw new Error(`${name}: no file at ${file}`);
  }
  return { certFile, keyFile };
}

const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['0', 'false', 'no', 'off'];

/** WS_DEFLATE (`off` by default: docs/performance.md) and its threshold, level, window and bounds. */
function wsDeflateConfig(env: Env): Config['wsDeflate'] {
  const raw = (str(env, 'WS_DEFLATE') ?? DEFAULT_WS_DEFLATE).toLowerCase();
  if (!ON.includes(raw) && !OFF.includes(raw))
    throw new Error(`WS_DEFLATE must be on or off, got "${str(env, 'WS_DEFLATE')}"`);
  const upTo = (name: string, fallback: number, min: number, max: number): number => {
    const n = int(env, name, fallback, min);
    if (n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${n}"`);
    return n;
  };
  return {
    enabled: ON.includes(raw),
    threshold: int(env, 'WS_DEFLATE_THRESHOLD', 1024, 0),
    level: upTo('WS_DEFLATE_LEVEL', 1, 1, 9),
    concurrency: int(env, 'WS_DEFLATE_CONCURRENCY', 10, 1),
    windowBits: upTo('WS_DEFLATE_WINDOW_BITS', 15, 9, 15),
    memLevel: upTo('WS_DEFLATE_MEM_LEVEL', 8, 1, 9),
  };
}

function mailConfig(env: Env): Config['mail'] {
  const smtpUrl = str(env, 'SMTP_URL');
  if (smtpUrl) checkSmtpUrl(smtpUrl);
  return {
    smtpUrl,
    from: str(env, 'MAIL_FROM') ?? `Switchboard <no-reply@${hostname()}>`,
    replyDelayMs: int(env, 'MAIL_REPLY_DELAY_MS', 60_000),
    digestDelayMs: int(env, 'MAIL_DIGEST_DELAY_MS', 300_000),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(str(env, 'DATA_DIR') ?? './data');
  const logLevel = (str(env, 'LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (str(env, 'LOG_FORMAT') ?? 'auto').toLowerCase() as LogFormat;
  if (!LOG_FORMATS.includes(logFormat))
    throw new Error(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}`);
  const sync = (str(env, 'SQLITE_SYNCHRONOUS') ?? 'NORMAL').toUpperCase() as SqliteSynchronous;
  if (!SYNC_LEVELS.includes(sync))
    throw new Error(`SQLITE_SYNCHRONOUS must be one of ${SYNC_LEVELS.join(', ')}`);
  const d = defaultLimits();
  const seedRaw = (str(env, 'SEED') ?? '1').toLowerCase();
  return {
    port: int(env, 'PORT', 8080),
    host: str(env, 'HOST'),
    databaseUrl: str(env, 'DATABASE_URL') ?? `sqlite:${resolve(dataDir, 'switchboard.db')}`,
    dataDir,
    redisUrl: str(env, 'REDIS_URL'),
    redisPrefix: str(env, 'REDIS_PREFIX') ?? 'sb:',
    clusterHeartbeatMs: int(env, 'CLUSTER_HEARTBEAT_MS', 5000),
    adminPollMs: int(env, 'ADMIN_POLL_MS', 1000, 50),
    retentionSweepMs: int(env, 'RETENTION_SWEEP_MS', 3_600_000, 1000),
    webhooks: {
      allowPrivate: ['1', 'true', 'yes', 'on'].includes(
        (str(env, 'WEBHOOK_ALLOW_PRIVATE') ?? '').toLowerCase(),
      ),
      pollMs: int(env, 'WEBHOOK_POLL_MS', 1000, 10),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100),
      retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 10_000, 10),
      maxAgeMs: int(env, 'WEBHOOK_MAX_AGE_MS', 24 * 60 * 60 * 1000, 1000),
      concurrency: int(env, 'WEBHOOK_CONCURRENCY', 8, 1),
    },
    attachments: {
      maxBytes: int(env, 'ATTACHMENT_MAX_BYTES', 10 * 1024 * 1024, 1),
      urlTtlMs: int(env, 'ATTACHMENT_URL_TTL_S', 3600, 60) * 1000,
    },
    mail: mailConfig(env),
    setupToken: str(env, 'SETUP_TOKEN'),
    metricsToken: str(env, 'METRICS_TOKEN'),
    tls: tlsConfig(env),
    jwtSecret: str(env, 'JWT_SECRET'),
    publicUrl: str(env, 'PUBLIC_URL'),
    trustProxy: parseTrustProxy(str(env, 'TRUST_PROXY')),
    logLevel,
    logFormat,
    seed: !['0', 'false', 'no', 'off'].includes(seedRaw),
    seedHistory: !['0', 'false', 'no', 'off'].includes((str(env, 'SEED_HISTORY') ?? '1').toLowerCase()),
    agentGraceMs: int(env, 'AGENT_GRACE_MS', 60_000),
    sqliteSynchronous: sync,
    scryptN: scryptN(env),
    scryptConcurrency: int(env, 'SCRYPT_CONCURRENCY', 4, 1),
    scryptMaxQueue: int(env, 'SCRYPT_MAX_QUEUE', 64),
    wsDeflate: wsDeflateConfig(env),
    limits: {
      ...d,
      maxPayloadBytes: int(env, 'MAX_PAYLOAD_BYTES', d.maxPayloadBytes, 1024),
      maxTextChars: int(env, 'MAX_TEXT_CHARS', d.maxTextChars, 1),
      rateBurst: int(env, 'RATE_BURST', d.rateBurst, 1),
      rateRefillPerSec: int(env, 'RATE_REFILL_PER_SEC', d.rateRefillPerSec, 0),
      controlRateBurst: int(env, 'CONTROL_RATE_BURST', d.controlRateBurst, 1),
      controlRateRefillPerSec: int(env, 'CONTROL_RATE_REFILL_PER_SEC', d.controlRateRefillPerSec, 0),
      heartbeatMs: int(env, 'HEARTBEAT_MS', d.heartbeatMs, 100),
      maxBufferedBytes: int(env, 'MAX_BUFFERED_BYTES', d.maxBufferedBytes, 1024),
      maxOutgoingFrameBytes: int(env, 'MAX_OUTGOING_FRAME_BYTES', d.maxOutgoingFrameBytes, 64 * 1024),
      historyPageMessages: int(env, 'HISTORY_PAGE_MESSAGES', d.historyPageMessages, 1),
      historyPageBytes: int(env, 'HISTORY_PAGE_BYTES', d.historyPageBytes, 1024),
      closeGraceMs: int(env, 'CLOSE_GRACE_MS', d.closeGraceMs, 10),
      loginPerMinute: int(env, 'LOGIN_RATE_PER_MIN', d.loginPerMinute),
      sessionPerMinute: int(env, 'SESSION_RATE_PER_MIN', d.sessionPerMinute),
      siteNewConversationsPerMinute: int(
        env,
        'SITE_NEW_CONVERSATIONS_PER_MIN',
        d.siteNewConversationsPerMinute,
      ),
      maxSocketsPerVisitor: int(env, 'MAX_SOCKETS_PER_VISITOR', d.maxSocketsPerVisitor),
      maxSocketsPerAgent: int(env, 'MAX_SOCKETS_PER_AGENT', d.maxSocketsPerAgent),
      maxSocketsPerAddress: int(env, 'MAX_SOCKETS_PER_ADDRESS', d.maxSocketsPerAddress),
      upgradeBurst: int(env, 'UPGRADE_BURST', d.upgradeBurst),
      upgradeRefillPerSec: int(env, 'UPGRADE_REFILL_PER_SEC', d.upgradeRefillPerSec),
      addressRateBurst: int(env, 'ADDRESS_RATE_BURST', d.addressRateBurst),
      addressRateRefillPerSec: int(env, 'ADDRESS_RATE_REFILL_PER_SEC', d.addressRateRefillPerSec),
      helloTimeoutMs: int(env, 'HELLO_TIMEOUT_MS', d.helloTimeoutMs, 10),
      presenceCoalesceMs: int(env, 'PRESENCE_COALESCE_MS', d.presenceCoalesceMs),
      loginAccountFreeFailures: int(env, 'LOGIN_ACCOUNT_FAILURES', d.loginAccountFreeFailures),
      loginBackoffMs: int(env, 'LOGIN_BACKOFF_MS', d.loginBackoffMs),
      loginBackoffMaxMs: int(env, 'LOGIN_BACKOFF_MAX_MS', d.loginBackoffMaxMs),
    },
  };
}

/** Defaults (without reading the environment) merged with overrides: what tests use. */
export function resolveConfig(overrides: ConfigOverrides = {}, base: Config = loadConfig({})): Config {
  const { limits, webhooks, mail, attachments, wsDeflate, ...rest } = overrides;
  const merged: Config = {
    ...base,
    ...rest,
    limits: { ...base.limits, ...limits },
    attachments: { ...base.attachments, ...attachments },
    webhooks: { ...base.webhooks, ...webhooks },
    mail: { ...base.mail, ...mail },
    wsDeflate: { ...base.wsDeflate, ...wsDeflate },
  };
  // A data dir given without a database URL means "the default database file in that dir".
  if (rest.dataDir !== undefined && rest.databaseUrl === undefined) {
    merged.dataDir = resolve(rest.dataDir);
    merged.databaseUrl = `sqlite:${resolve(rest.dataDir, 'switchboard.db')}`;
  }
  checkScryptN(merged.scryptN, 'scryptN');
  if (!Number.isInteger(merged.scryptConcurrency) || merged.scryptConcurrency < 1) {
    throw new Error(`scryptConcurrency must be an integer ≥ 1, got "${merged.scryptConcurrency}"`);
  }
  if (!Number.isInteger(merged.scryptMaxQueue) || merged.scryptMaxQueue < 0) {
    throw new Error(`scryptMaxQueue must be an integer ≥ 0, got "${merged.scryptMaxQueue}"`);
  }
  if (merged.limits.hardMaxPayloadBytes < merged.limits.maxPayloadBytes) {
    merged.limits.hardMaxPayloadBytes = merged.limits.maxPayloadBytes;
  }
  return merged;
}

/** `sqlite:./x.db` / `sqlite:/abs/x.db` / `sqlite::memory:` → a path for better-sqlite3. */
export function sqlitePath(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('sqlite:')) return null;
  const p = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (p === ':memory:') return p;
  return isAbsolute(p) ? p : resolve(p);
}
