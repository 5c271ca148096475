/**
 * Credentials: scrypt password hashes, identity-verification HMACs, and the JWTs for
 * visitors (`{kind:'visitor', site, vid}`, 30 days) and agents (`{kind:'agent', sub, site,
 * role}`, 12 hours). Tokens are never logged (see the request serializer in app.ts).
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { type AgentRole, ErrorCode } from '@switchboard/protocol';
import { createSigner, createVerifier } from 'fast-jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AgentRecord } from '../chat/index.js';
import { sbError } from '../errors.js';
import { Semaphore } from '../semaphore.js';

export interface VisitorTokenPayload {
  kind: 'visitor';
  site: string;
  vid: string;
}
export interface AgentTokenPayload {
  kind: 'agent';
  sub: string;
  site: string;
  role: AgentRole;
  /** The account's token version when signed (a password change bumps it: older tokens stop). */
  ver: number;
  /** The console session (refresh cookie) it belongs to: its sockets close when it ends. */
  sid?: string;
}
export type TokenPayload = VisitorTokenPayload | AgentTokenPayload;

export interface Auth {
  signVisitor(p: Omit<VisitorTokenPayload, 'kind'>): string;
  signAgent(a: AgentRecord, sid?: string): string;
  /** The token's payload, or null when it is missing, malformed, expired or forged. */
  verify(token: string | undefined | null): TokenPayload | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: Auth;
    /** Password hashing at the configured scrypt cost, bounded in concurrency (see PasswordHasher). */
    passwords: PasswordHasher;
    /** preHandler: requires `Authorization: Bearer <agent JWT>` of an existing agent. */
    requireAgent: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    agent: AgentRecord | null;
  }
}

export const VISITOR_TOKEN_TTL = '30d';
/** The console's access token: short, renewed with the refresh cookie (admin/sessions.ts). */
export const AGENT_TOKEN_TTL = '15m';

// ---------------------------------------------------------------- passwords (scrypt)

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** r and p of new hashes (OWASP: N=2^17, r=8, p=1); N comes from the config (SCRYPT_N). */
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
const KEY_LEN = 32;
/**
 * The most memory one hash may take, counted as scrypt's V array (128·r·N bytes: N=2^18 with
 * r=8). A stored hash of a higher cost is refused, never computed.
 */
export const SCRYPT_MAX_MEM = 256 * 1024 * 1024;

/** True when a hash of these parameters stays within SCRYPT_MAX_MEM. */
export function scryptWithinBound({ N, r }: ScryptParams): boolean {
  return 128 * r * N <= SCRYPT_MAX_MEM;
}

/** `maxmem` for these parameters: what OpenSSL allocates (V: 128·r·(N+2), B: 128·r·p) plus 1 MiB. */
export function scryptMemory({ N, r, p }: ScryptParams): number {
  return 128 * r * (N + 2) + 128 * r * p + 1024 * 1024;
}

function scryptAsync(password: string, salt: Buffer, params: ScryptParams, keyLen: number): Promise<Buffer> {
  const { N, r, p } = params;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLen, { N, r, p, maxmem: scryptMemory(params) }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function positiveInt(v: string | undefined): number | null {
  if (v === undefined || !/^\d{1,10}$/.test(v)) return null;
  const n = Number(v);
  return n > 0 ? n : null;
}

/** `scrypt$N$r$p$salt$hash`, or null when malformed or costlier than SCRYPT_MAX_MEM allows. */
export function parsePasswordHash(stored: string): ParsedHash | null {
  const [alg, n, r, p, salt, hash, extra] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash || extra !== undefined) return null;
  const N = positiveInt(n);
  const R = positiveInt(r);
  const P = positiveInt(p);
  if (N === null || R === null || P === null || N < 2 || (N & (N - 1)) !== 0 || P > 16) return null;
  const params = { N, r: R, p: P };
  if (!scryptWithinBound(params)) return null;
  const key = Buffer.from(hash, 'base64url');
  if (key.length < 16 || key.length > 64) return null;
  return { params, salt: Buffer.from(salt, 'base64url'), hash: key };
}

export interface PasswordHasherOptions {
  /** scrypt N of new hashes (config `scryptN`). */
  N: number;
  /** Hashes computed at once; the rest wait. */
  concurrency: number;
  /** Hashes allowed to wait; beyond that `hash`/`verify` reject with QueueFullError. */
  maxQueue: number;
}

/**
 * Hashes and checks passwords at the configured cost, at most `concurrency` at a time with a
 * bounded queue: a sign-in flood waits for a slot (or is refused), it cannot allocate
 * 128 MiB per request.
 */
export class PasswordHasher {
  readonly params: ScryptParams;
  readonly gate: Semaphore;

  constructor(opts: PasswordHasherOptions) {
    this.params = { N: opts.N, r: SCRYPT_R, p: SCRYPT_P };
    if (!scryptWithinBound(this.params)) {
      throw new Error(`scrypt N=${opts.N} needs more than ${SCRYPT_MAX_MEM / 1024 / 1024} MiB per hash`);
    }
    this.gate = new Semaphore(opts.concurrency, opts.maxQueue);
  }

  /** `scrypt$N$r$p$salt$hash` (base64url) at the configured cost. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const { N, r, p } = this.params;
    const key = await this.gate.run(() => scryptAsync(password, salt, this.params, KEY_LEN));
    return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** False for a wrong password and for a malformed or over-costly stored hash. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parsePasswordHash(stored);
    if (!parsed) return false;
    const key = await this.gate.run(() =>
      scryptAsync(password, parsed.salt, parsed.params, parsed.hash.length),
    );
    return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
  }

  /** True when the stored hash is weaker than what new hashes get (its next sign-in rehashes it). */
  needsRehash(stored: string): boolean {
    const parsed = parsePasswordHash(stored);
    if (!parsed) return false;
    const { N, r, p } = parsed.params;
    return N < this.params.N || r < this.params.r || p < this.params.p;
  }
}

// ---------------------------------------------------------------- identity verification

/** hex HMAC-SHA256(userId, site secret): what the shop backend puts in data-user-hash. */
export function identityHash(userId: string, siteSecret: string): string {
  return createHmac('sha256', siteSecret).update(userId).digest('hex');
}

export function verifyIdentityHash(userId: string, hash: string, siteSecret: string): boolean {
  const expected = Buffer.from(identityHash(userId, siteSecret), 'hex');
  const given = Buffer.from(hash.trim().toLowerCase(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m?.[1] ?? null;
}

/**
 * The agent of a token may act: still an active member of the token's site, with a password
 * (not only invited), and no sign-out since the token was made (password change or reset).
 */
export function agentTokenCurrent(agent: AgentRecord | null, payload: { ver: number }): agent is AgentRecord {
  return agent?.active === true && agent.passwordHash !== '' && agent.tokenVersion === payload.ver;
}

function parsePayload(v: unknown): TokenPayload | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o.kind === 'visitor' && typeof o.site === 'string' && typeof o.vid === 'string') {
    return { kind: 'visitor', site: o.site, vid: o.vid };
  }
  if (
    o.kind === 'agent' &&
    typeof o.sub === 'string' &&
    typeof o.site === 'string' &&
    (o.role === 'agent' || o.role === 'admin')
  ) {
    // Tokens from before token versions: version 0.
    const ver = typeof o.ver === 'number' && Number.isInteger(o.ver) ? o.ver : 0;
    return {
      kind: 'agent',
      sub: o.sub,
      site: o.site,
      role: o.role,
      ver,
      ...(typeof o.sid === 'string' ? { sid: o.sid } : {}),
    };
  }
  return null;
}

export interface AuthPluginOptions {
  jwtSecret: string;
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app: FastifyInstance, opts) => {
    // One signer per token kind, built once: a signer built per call (what passing options
    // to @fastify/jwt's sign does) re-imports the key every time — ~6 % of the server's time
    // while visitors were connecting in the benchmark. HS256 with the server's secret, as before.
    const key = opts.jwtSecret;
    const signVisitorToken = createSigner({ key, algorithm: 'HS256', expiresIn: VISITOR_TOKEN_TTL });
    const signAgentToken = createSigner({ key, algorithm: 'HS256', expiresIn: AGENT_TOKEN_TTL });
    const verifyToken = createVerifier({ key, algorithms: ['HS256'] });
    const auth: Auth = {
      signVisitor: (p) => signVisitorToken({ kind: 'visitor', site: p.site, vid: p.vid }),
      signAgent: (a, sid) =>
        signAgentToken({
          kind: 'agent',
          sub: a.id,
          site: a.siteId,
          role: a.role,
          ver: a.tokenVersion,
          ...(sid ? { sid } : {}),
        }),
      verify: (token) => {
        if (!token) return null;
        try {
          return parsePayload(verifyToken(token) as unknown);
        } catch {
          return null;
        }
      },
    };
    app.decorate('auth', auth);
    app.decorateRequest('agent', null);
    app.decorate('requireAgent', async (req: FastifyRequest) => {
      const payload = auth.verify(bearerToken(req));
      if (payload?.kind !== 'agent')
        throw sbError(ErrorCode.Unauthorized, 'Sign in: missing or invalid agent token');
      // `app.chat` is decorated by the realtime plugin, registered after this one: read per request.
      const agent = await app.chat.agent(payload.sub, payload.site);
      if (!agentTokenCurrent(agent, payload) || app.sessions.isEnded(payload.sid)) {
        throw sbError(
          ErrorCode.Unauthorized,
          'Signed out: sign in again (account deactivated or password changed)',
        );
      }
      req.agent = agent;
    });
  },
  { name: 'switchboard-auth', dependencies: ['switchboard-storage'] },
);
