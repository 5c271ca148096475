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
import { sbError } from '../errors.js';
import type { AgentRecord } from '../storage/types.js';

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
}
export type TokenPayload = VisitorTokenPayload | AgentTokenPayload;

export interface Auth {
  signVisitor(p: Omit<VisitorTokenPayload, 'kind'>): string;
  signAgent(a: AgentRecord): string;
  /** The token's payload, or null when it is missing, malformed, expired or forged. */
  verify(token: string | undefined | null): TokenPayload | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: Auth;
    /** preHandler: requires `Authorization: Bearer <agent JWT>` of an existing agent. */
    requireAgent: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    agent: AgentRecord | null;
  }
}

export const VISITOR_TOKEN_TTL = '30d';
export const AGENT_TOKEN_TTL = '12h';

// ---------------------------------------------------------------- passwords (scrypt)

const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32 };

function scryptAsync(
  password: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  keyLen: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLen, { N, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(
    password,
    Buffer.from(salt, 'base64url'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
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
    return { kind: 'agent', sub: o.sub, site: o.site, role: o.role };
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
      signAgent: (a) => signAgentToken({ kind: 'agent', sub: a.id, site: a.siteId, role: a.role }),
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
      const agent = await app.storage.getAgent(payload.sub);
      if (!agent || agent.siteId !== payload.site) throw sbError(ErrorCode.Unauthorized, 'Unknown agent');
      req.agent = agent;
    });
  },
  { name: 'switchboard-auth', dependencies: ['switchboard-storage'] },
);
