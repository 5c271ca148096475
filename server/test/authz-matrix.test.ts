/**
 * The authorisation matrix (issue 17): every REST route and every client frame type, against
 * every kind of caller, in one table each, with what each caller gets. A route or frame type
 * added without a row fails the coverage tests below.
 *
 * REST cells: `401` / `403` / `404` exactly, or `ok` = got past authorisation (any answer
 * below 500 that is not 401 or 403: a 2xx, a 400, a 409, a 404 of a permitted caller…).
 * Refused callers run first in each row, so a permitted caller's change cannot hide them.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerFrame } from '@switchboard/protocol';
import { ErrorCode, PROTOCOL_VERSION } from '@switchboard/protocol';
import { AgentFrameSchemas, VisitorFrameSchemas } from '@switchboard/protocol/schemas';
import type { FastifyInstance, HTTPMethods, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AgentRecord } from '../src/storage/types.js';
import { PNG } from './fixture-files.js';
import {
  Client,
  ClientPool,
  listen,
  login,
  ORIGIN,
  OTHER_PASSWORD,
  otherSiteAdmin,
  tempDir,
  testApp,
  visitorSession,
  waitUntil,
} from './helpers.js';
import { SmtpReceiver } from './smtp-receiver.js';

/** A second site with its own admin, who is no member of `demo`. */
async function otherSite(app: FastifyInstance): Promise<void> {
  await otherSiteAdmin(app);
}

async function accountId(app: FastifyInstance, email: string): Promise<string> {
  const a = await app.storage.getAccountByEmail(email);
  if (!a) throw new Error(`no account ${email}`);
  return a.id;
}

async function agentRecord(app: FastifyInstance, email: string): Promise<AgentRecord> {
  const a = await app.chat.agent(await accountId(app, email), 'demo');
  if (!a) throw new Error(`no agent ${email}`);
  return a;
}

type ConvState = 'queued' | 'assigned' | 'closed';

/** A new visitor's conversation of site demo, queued, assigned to `ana`, or closed by her. */
async function conversation(
  app: FastifyInstance,
  ana: AgentRecord,
  state: ConvState,
): Promise<{ conversationId: string; visitorId: string; token: string }> {
  const { token, visitorId } = await visitorSession(app);
  const sent = await app.chat.visitorSend({ siteId: 'demo', visitorId }, 'Visitor', {
    type: 'send',
    cid: 'first',
    text: 'Hello, is anyone there?',
  });
  const conversationId = (await sent.done).conversationId;
  if (!conversationId) throw new Error('no conversation');
  if (state !== 'queued') await app.chat.claim(ana, { type: 'claim', cid: 'setup-claim', conversationId });
  if (state === 'closed') await app.chat.close(ana, { type: 'close', cid: 'setup-close', conversationId });
  return { conversationId, visitorId, token };
}

/** A file the visitor of `conv` sent in it; its signed link. */
async function sentFile(
  app: FastifyInstance,
  conv: { token: string; visitorId: string; conversationId: string },
): Promise<string> {
  const up = await app.inject({
    method: 'POST',
    url: '/api/sites/demo/attachments?name=a.png',
    headers: { authorization: `Bearer ${conv.token}`, 'content-type': 'application/octet-stream' },
    payload: PNG,
  });
  expect(up.statusCode).toBe(201);
  const sent = await app.chat.visitorSend({ siteId: 'demo', visitorId: conv.visitorId }, 'Visitor', {
    type: 'send',
    cid: 'matrix-file',
    text: '',
    conversationId: conv.conversationId,
    attachment: (up.json() as { id: string }).id,
  });
  const seq = (await sent.done).seq;
  const [m] = await app.storage.messagesSince(conv.conversationId, (seq ?? 1) - 1, 1);
  if (!m?.attachment) throw new Error('no file sent');
  return app.chat.attachments.sign(m.attachment.id);
}

// ====================================================================== REST routes

/**
 * The callers. `…AtOwn`: the other site's admin / API key naming THEIR site in the URL but
 * this site's record ids (forging ids rather than the site).
 */
const CALLERS = [
  'none',
  'visitor',
  'agent',
  'admin',
  'otherAdmin',
  'otherKey',
  'key',
  'otherAdminAtOwn',
  'otherKeyAtOwn',
] as const;
type Caller = (typeof CALLERS)[number];
type Cell = 'ok' | '401' | '403' | '404';

interface Fixtures {
  conversation: string;
  /** Another conversation assigned to ana, for assign and close. */
  closeable: string;
  visitor: string;
  blockee: string;
  erasee: string;
  webhook: string;
  delivery: string;
  canned: string;
  cannedToDelete: string;
  proactive: string;
  proactiveToDelete: string;
  keyToRotate: string;
  keyToRevoke: string;
  member: string;
  ana: string;
  invitation: string;
  /** A signed link to a file sent in `conversation`. */
  fileUrl: string;
}

interface RouteRow {
  /** `METHOD url` as registered. */
  route: string;
  /** The request's URL; `:site` is `demo`, or `other` for the `…AtOwn` callers. */
  url: (f: Fixtures) => string;
  body?: (f: Fixtures, caller: Caller) => unknown;
  headers?: Record<string, string>;
  /** Sent from 127.0.0.1 (else from an address of its own per request, clear of per-address limits). */
  loopback?: true;
  /** A permitted call signs the caller out (their password changed): sign in again after it. */
  signsOut?: true;
  /** A WebSocket upgrade: connected (`ok`) or the HTTP status it was refused with. */
  ws?: true;
  /** none visitor agent admin otherAdmin otherKey key | otherAdminAtOwn otherKeyAtOwn */
  cells: string;
}

const S = '/api/v1/sites/:site';
// Cells, in CALLERS order:  none visitor agent admin otherAdmin otherKey key | otherAdminAtOwn otherKeyAtOwn
const PUBLIC = ' ok  ok  ok  ok  ok  ok  ok |  ok  ok';
/** Any signed-in agent, of any site (their own profile, their own site). */
const SIGNED_IN = '401 401  ok  ok  ok 401 401 |  ok 401';
/** Console administration: an admin of the site in the URL, signed in to it. */
const SITE_ADMIN = '401 401 403  ok 403 401 401 |  ok 401';
const SITE_ADMIN_RECORD = '401 401 403  ok 403 401 401 | 404 401';
/** v1, admins and API keys of the site. */
const ADMIN_OR_KEY = '401 401 403  ok 403 401  ok |  ok  ok';
const ADMIN_OR_KEY_RECORD = '401 401 403  ok 403 401  ok | 404 404';
/** v1, any agent of the site and its API keys. */
const AGENT_OR_KEY = '401 401  ok  ok 403 401  ok |  ok  ok';
const AGENT_OR_KEY_RECORD = '401 401  ok  ok 403 401  ok | 404 404';
/** API keys are managed by the site's admins only: a key cannot mint keys. */
const KEY_ADMIN = '401 401 403  ok 403 401 403 |  ok 403';
const KEY_ADMIN_RECORD = '401 401 403  ok 403 401 403 | 404 403';

const ROUTES: RouteRow[] = [
  // ---------------------------------------------------------------- public
  { route: 'GET /', url: () => '/', cells: PUBLIC },
  { route: 'GET /widget.js', url: () => '/widget.js', cells: PUBLIC },
  { route: 'GET /console', url: () => '/console', cells: PUBLIC },
  { route: 'GET /console/*', url: () => '/console/app.js', cells: PUBLIC },
  { route: 'GET /demo', url: () => '/demo', cells: PUBLIC },
  { route: 'GET /demo/strict', url: () => '/demo/strict', cells: PUBLIC },
  { route: 'GET /demo/*', url: () => '/demo/shop.css', cells: PUBLIC },
  { route: 'GET /healthz', url: () => '/healthz', cells: PUBLIC },
  { route: 'GET /readyz', url: () => '/readyz', cells: PUBLIC },
  // Without METRICS_TOKEN: direct requests from this machine, whoever they are.
  { route: 'GET /metrics', url: () => '/metrics', loopback: true, cells: PUBLIC },
  { route: 'GET /api/widget/strings/:locale', url: () => '/api/widget/strings/de', cells: PUBLIC },
  { route: 'GET /api/v1/openapi.json', url: () => '/api/v1/openapi.json', cells: PUBLIC },
  { route: 'GET /api/v1/docs', url: () => '/api/v1/docs', cells: PUBLIC },
  { route: 'GET /api/setup', url: () => '/api/setup', cells: PUBLIC },
  {
    // Set up already: 409 for everyone.
    route: 'POST /api/setup',
    url: () => '/api/setup',
    body: () => ({
      token: 'guess',
      site: { id: 'mine', name: 'Mine', allowedOrigins: ['https://mine.test'] },
      admin: { name: 'Me', email: 'me@mine.test', password: 'mine-pass-1' },
    }),
    cells: PUBLIC,
  },
  { route: 'OPTIONS /api/visitor/session', url: () => '/api/visitor/session', cells: PUBLIC },
  {
    route: 'POST /api/visitor/session',
    url: () => '/api/visitor/session',
    headers: { origin: ORIGIN },
    body: () => ({ site: 'demo' }),
    cells: PUBLIC,
  },
  { route: 'OPTIONS /api/sites/:site/config', url: () => '/api/sites/:site/config', cells: PUBLIC },
  // Uploads: a visitor or an agent of the site (API keys send no files); the file's link is the
  // credential of a read (signed, short-lived), whoever presents it.
  {
    route: 'OPTIONS /api/sites/:site/attachments',
    url: () => '/api/sites/:site/attachments',
    cells: PUBLIC,
  },
  {
    route: 'POST /api/sites/:site/attachments',
    url: () => '/api/sites/:site/attachments?name=a.png',
    headers: { origin: ORIGIN, 'content-type': 'application/octet-stream' },
    body: () => PNG,
    cells: '401  ok  ok  ok 401 401 401 |  ok 401',
  },
  { route: 'GET /api/attachments/:id', url: (f) => f.fileUrl, cells: PUBLIC },
  // A visitor's own transcript: their token only (agents export theirs through /api/v1).
  { route: 'OPTIONS /api/visitor/transcript', url: () => '/api/visitor/transcript', cells: PUBLIC },
  {
    route: 'GET /api/visitor/transcript',
    url: () => '/api/visitor/transcript',
    headers: { origin: ORIGIN },
    cells: '401  ok 401 401 401 401 401 | 401 401',
  },
  {
    route: 'OPTIONS /api/visitor/transcript/email',
    url: () => '/api/visitor/transcript/email',
    cells: PUBLIC,
  },
  {
    // The matrix's visitor left no email: 409 past authorisation.
    route: 'POST /api/visitor/transcript/email',
    url: () => '/api/visitor/transcript/email',
    headers: { origin: ORIGIN },
    body: () => ({}),
    cells: '401  ok 401 401 401 401 401 | 401 401',
  },
  { route: 'GET /api/sites/:site/config', url: () => '/api/sites/:site/config', cells: PUBLIC },
  {
    route: 'POST /api/auth/login',
    url: () => '/api/auth/login',
    body: () => ({ email: 'ben@demo.test', password: 'demo1234' }),
    cells: PUBLIC,
  },
  // The refresh cookie is the only credential of a refresh: no bearer token of any kind opens one.
  {
    route: 'POST /api/auth/refresh',
    url: () => '/api/auth/refresh',
    cells: '401 401 401 401 401 401 401 | 401 401',
  },
  { route: 'POST /api/auth/logout', url: () => '/api/auth/logout', cells: PUBLIC },
  {
    route: 'POST /api/auth/password-reset',
    url: () => '/api/auth/password-reset',
    body: () => ({ email: 'ben@demo.test' }),
    cells: PUBLIC,
  },
  {
    route: 'POST /api/auth/password-reset/:token',
    url: () => '/api/auth/password-reset/not-a-reset-token',
    body: () => ({ password: 'reset-pass-1' }),
    cells: PUBLIC,
  },
  { route: 'GET /api/invitations/:token', url: (f) => `/api/invitations/${f.invitation}`, cells: PUBLIC },
  {
    route: 'POST /api/invitations/:token',
    url: (f) => `/api/invitations/${f.invitation}`,
    body: () => ({ name: 'Invitee', password: 'invitee-pass-1' }),
    cells: PUBLIC,
  },
  // ---------------------------------------------------------------- sockets
  {
    route: 'GET /ws/visitor',
    url: () => '/ws/visitor',
    ws: true,
    cells: '401  ok 401 401 401 401 401 | 401 401',
  },
  { route: 'GET /ws/agent', url: () => '/ws/agent', ws: true, cells: SIGNED_IN },
  // ---------------------------------------------------------------- the signed-in agent
  { route: 'GET /api/me', url: () => '/api/me', cells: SIGNED_IN },
  {
    route: 'PATCH /api/me',
    url: () => '/api/me',
    body: () => ({ mailLeftMessages: false }),
    cells: SIGNED_IN,
  },
  {
    route: 'POST /api/me/password',
    url: () => '/api/me/password',
    body: (_f, caller) => {
      const own = caller === 'otherAdmin' || caller === 'otherAdminAtOwn' ? OTHER_PASSWORD : 'demo1234';
      return { oldPassword: own, newPassword: own };
    },
    signsOut: true,
    cells: SIGNED_IN,
  },
  { route: 'GET /api/agents', url: () => '/api/agents', cells: SIGNED_IN },
  {
    route: 'POST /api/auth/site',
    url: () => '/api/auth/site',
    body: () => ({ site: 'demo' }),
    cells: '401 401  ok  ok 403 401 401 | 403 401',
  },
  {
    route: 'GET /api/search',
    url: () => '/api/search?site=:site&q=hello',
    cells: '401 401  ok  ok 403 401 401 |  ok 401',
  },
  {
    route: 'GET /api/conversations/closed',
    url: () => '/api/conversations/closed?site=:site',
    cells: '401 401  ok  ok 403 401 401 |  ok 401',
  },
  // ---------------------------------------------------------------- console administration
  { route: 'GET /api/admin/sites/:site', url: () => '/api/admin/sites/:site', cells: SITE_ADMIN },
  {
    route: 'PATCH /api/admin/sites/:site',
    url: () => '/api/admin/sites/:site',
    body: () => ({ title: 'Talk to us' }),
    cells: SITE_ADMIN,
  },
  {
    route: 'POST /api/admin/sites/:site/secret',
    url: () => '/api/admin/sites/:site/secret',
    cells: SITE_ADMIN,
  },
  {
    route: 'GET /api/admin/sites/:site/agents',
    url: () => '/api/admin/sites/:site/agents',
    cells: SITE_ADMIN,
  },
  {
    route: 'POST /api/admin/sites/:site/agents',
    url: () => '/api/admin/sites/:site/agents',
    body: () => ({ email: 'new@demo.test', name: 'Newcomer', role: 'agent' }),
    cells: SITE_ADMIN,
  },
  {
    route: 'PATCH /api/admin/sites/:site/agents/:agent',
    url: (f) => `/api/admin/sites/:site/agents/${f.member}`,
    body: () => ({ maxChats: 5 }),
    cells: SITE_ADMIN_RECORD,
  },
  {
    route: 'PUT /api/sites/:site/settings',
    url: () => '/api/sites/:site/settings',
    body: () => ({ greeting: 'Hi there' }),
    cells: SITE_ADMIN,
  },
  {
    // The site secret only (no caller here holds it): 401 for all.
    route: 'POST /api/sites/:site/notify',
    url: () => '/api/sites/:site/notify',
    body: () => ({ userId: 'shopper-1', text: 'Your order shipped' }),
    cells: '401 401 401 401 401 401 401 | 401 401',
  },
  // ---------------------------------------------------------------- v1: API keys
  { route: `POST ${S}/api-keys`, url: () => `${S}/api-keys`, body: () => ({ name: 'x' }), cells: KEY_ADMIN },
  { route: `GET ${S}/api-keys`, url: () => `${S}/api-keys`, cells: KEY_ADMIN },
  {
    route: `POST ${S}/api-keys/:id/rotate`,
    url: (f) => `${S}/api-keys/${f.keyToRotate}/rotate`,
    cells: KEY_ADMIN_RECORD,
  },
  {
    route: `DELETE ${S}/api-keys/:id`,
    url: (f) => `${S}/api-keys/${f.keyToRevoke}`,
    cells: KEY_ADMIN_RECORD,
  },
  // ---------------------------------------------------------------- v1: notify, webhooks, audit, reports
  {
    route: `POST ${S}/notify`,
    url: () => `${S}/notify`,
    body: () => ({ userId: 'shopper-1', text: 'Your order shipped', id: 'order-1' }),
    cells: ADMIN_OR_KEY,
  },
  {
    route: `POST ${S}/webhooks`,
    url: () => `${S}/webhooks`,
    body: () => ({ url: 'https://hooks.example.com/sb', events: ['conversation.closed'] }),
    cells: ADMIN_OR_KEY,
  },
  { route: `GET ${S}/webhooks`, url: () => `${S}/webhooks`, cells: ADMIN_OR_KEY },
  {
    route: `PATCH ${S}/webhooks/:id`,
    url: (f) => `${S}/webhooks/${f.webhook}`,
    body: () => ({ events: ['message.created'] }),
    cells: ADMIN_OR_KEY_RECORD,
  },
  {
    route: `GET ${S}/webhooks/:id/deliveries`,
    url: (f) => `${S}/webhooks/${f.webhook}/deliveries`,
    cells: ADMIN_OR_KEY_RECORD,
  },
  {
    route: `POST ${S}/webhooks/:id/deliveries/:delivery/redeliver`,
    url: (f) => `${S}/webhooks/${f.webhook}/deliveries/${f.delivery}/redeliver`,
    cells: ADMIN_OR_KEY_RECORD,
  },
  { route: `DELETE ${S}/webhooks/:id`, url: (f) => `${S}/webhooks/${f.webhook}`, cells: ADMIN_OR_KEY_RECORD },
  { route: `GET ${S}/audit`, url: () => `${S}/audit`, cells: ADMIN_OR_KEY },
  { route: `GET ${S}/reports`, url: () => `${S}/reports`, cells: ADMIN_OR_KEY },
  // ---------------------------------------------------------------- v1: conversations, agents
  { route: `GET ${S}/agents`, url: () => `${S}/agents`, cells: AGENT_OR_KEY },
  { route: `GET ${S}/conversations`, url: () => `${S}/conversations`, cells: AGENT_OR_KEY },
  { route: `GET ${S}/search`, url: () => `${S}/search?q=hello`, cells: AGENT_OR_KEY },
  {
    route: `GET ${S}/conversations/:id`,
    url: (f) => `${S}/conversations/${f.conversation}`,
    cells: AGENT_OR_KEY_RECORD,
  },
  {
    route: `GET ${S}/conversations/:id/messages`,
    url: (f) => `${S}/conversations/${f.conversation}/messages`,
    cells: AGENT_OR_KEY_RECORD,
  },
  {
    route: `POST ${S}/conversations/:id/messages`,
    url: (f) => `${S}/conversations/${f.conversation}/messages`,
    body: (_f, caller) => ({ text: 'On its way', cid: `m-${caller}` }),
    cells: AGENT_OR_KEY_RECORD,
  },
  {
    route: `GET ${S}/conversations/:id/transcript`,
    url: (f) => `${S}/conversations/${f.conversation}/transcript`,
    cells: AGENT_OR_KEY_RECORD,
  },
  {
    route: `POST ${S}/conversations/:id/assign`,
    url: (f) => `${S}/conversations/${f.closeable}/assign`,
    body: (f) => ({ agentId: f.ana }),
    cells: AGENT_OR_KEY_RECORD,
  },
  {
    route: `POST ${S}/conversations/:id/close`,
    url: (f) => `${S}/conversations/${f.closeable}/close`,
    cells: AGENT_OR_KEY_RECORD,
  },
  // ---------------------------------------------------------------- v1: canned responses
  { route: `GET ${S}/canned`, url: () => `${S}/canned`, cells: AGENT_OR_KEY },
  {
    // Site-wide: admins and keys; an agent makes personal ones only.
    route: `POST ${S}/canned`,
    url: () => `${S}/canned`,
    body: () => ({ shortcut: 'matrix', text: 'Thanks!' }),
    cells: ADMIN_OR_KEY,
  },
  {
    route: `PUT ${S}/canned/:id`,
    url: (f) => `${S}/canned/${f.canned}`,
    body: () => ({ text: 'Thank you!' }),
    cells: ADMIN_OR_KEY_RECORD,
  },
  {
    route: `DELETE ${S}/canned/:id`,
    url: (f) => `${S}/canned/${f.cannedToDelete}`,
    cells: ADMIN_OR_KEY_RECORD,
  },
  // ---------------------------------------------------------------- v1: proactive messages
  { route: `GET ${S}/proactive-messages`, url: () => `${S}/proactive-messages`, cells: ADMIN_OR_KEY },
  {
    route: `POST ${S}/proactive-messages`,
    url: () => `${S}/proactive-messages`,
    body: () => ({ name: 'Matrix', text: 'Hello!', trigger: 'returning', seconds: 0 }),
    cells: ADMIN_OR_KEY,
  },
  {
    route: `PATCH ${S}/proactive-messages/:id`,
    url: (f) => `${S}/proactive-messages/${f.proactive}`,
    body: () => ({ seconds: 5 }),
    cells: ADMIN_OR_KEY_RECORD,
  },
  {
    route: `DELETE ${S}/proactive-messages/:id`,
    url: (f) => `${S}/proactive-messages/${f.proactiveToDelete}`,
    cells: ADMIN_OR_KEY_RECORD,
  },
  // The widget's list: public (a shop's pages ask for it).
  { route: 'GET /api/sites/:site/proactive', url: () => '/api/sites/demo/proactive', cells: PUBLIC },
  // ---------------------------------------------------------------- v1: visitors
  { route: `GET ${S}/visitors/:id`, url: (f) => `${S}/visitors/${f.visitor}`, cells: AGENT_OR_KEY_RECORD },
  {
    route: `GET ${S}/visitors/:id/context`,
    url: (f) => `${S}/visitors/${f.visitor}/context`,
    cells: AGENT_OR_KEY_RECORD,
  },
  {
    route: `GET ${S}/visitors/:id/export`,
    url: (f) => `${S}/visitors/${f.visitor}/export`,
    cells: ADMIN_OR_KEY_RECORD,
  },
  {
    route: `POST ${S}/visitors/:id/block`,
    url: (f) => `${S}/visitors/${f.blockee}/block`,
    body: () => ({ reason: 'spam' }),
    cells: AGENT_OR_KEY_RECORD,
  },
  { route: `GET ${S}/blocks`, url: () => `${S}/blocks`, cells: ADMIN_OR_KEY },
  {
    route: `DELETE ${S}/visitors/:id/block`,
    url: (f) => `${S}/visitors/${f.blockee}/block`,
    cells: ADMIN_OR_KEY_RECORD,
  },
  { route: `DELETE ${S}/visitors/:id`, url: (f) => `${S}/visitors/${f.erasee}`, cells: ADMIN_OR_KEY_RECORD },
];

function parseCells(row: RouteRow): Record<Caller, Cell> {
  const words = row.cells.split(/\s+/).filter((w) => w !== '' && w !== '|');
  if (words.length !== CALLERS.length) throw new Error(`${row.route}: ${words.length} cells`);
  const out = {} as Record<Caller, Cell>;
  CALLERS.forEach((c, i) => {
    const w = words[i];
    if (w !== 'ok' && w !== '401' && w !== '403' && w !== '404') throw new Error(`${row.route}: cell "${w}"`);
    out[c] = w;
  });
  return out;
}

/** What a status means in a cell expecting `expected`. */
function cellOf(expected: Cell, status: number): string {
  if (status >= 500) return `HTTP ${status}`;
  if (status === 401 || status === 403) return String(status);
  if (status === 404) return expected === 'ok' ? 'ok' : '404';
  return 'ok';
}

/** The HTTP status of a WebSocket upgrade (101 when it connected). */
function upgradeStatus(host: string, path: string, token: string | null): Promise<number> {
  const url = `ws://${host}${path}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  const ws = new WebSocket(url, { origin: ORIGIN });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.once('close', () => resolve(101));
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('authorisation matrix: REST routes × callers', () => {
  const registered: string[] = [];
  let app: FastifyInstance;
  let dispose: () => Promise<void>;
  let host: string;
  let f: Fixtures;
  const tokens = { visitor: '', agent: '', admin: '', otherAdmin: '', otherKey: '', key: '' };
  let address = 0;

  async function signIn(): Promise<void> {
    tokens.agent = await login(app, 'ana@demo.test');
    tokens.admin = await login(app, 'admin@demo.test');
    tokens.otherAdmin = await login(app, 'boss@other.test', OTHER_PASSWORD);
  }

  const tokenOf = (c: Caller): string | null =>
    c === 'none'
      ? null
      : c === 'otherAdminAtOwn'
        ? tokens.otherAdmin
        : c === 'otherKeyAtOwn'
          ? tokens.otherKey
          : tokens[c];

  async function createKey(token: string, site: string, name: string): Promise<{ id: string; key: string }> {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/${site}/api-keys`,
      headers: { authorization: `Bearer ${token}` },
      payload: { name },
    });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  // Every route answers as in production: built files to serve, a mail server to send to.
  const dist = tempDir();
  const smtp = new SmtpReceiver();

  beforeAll(async () => {
    const widgetDist = join(dist.dir, 'widget');
    const consoleDist = join(dist.dir, 'console');
    mkdirSync(widgetDist);
    mkdirSync(consoleDist);
    writeFileSync(join(widgetDist, 'widget.js'), 'void 0;');
    writeFileSync(join(consoleDist, 'index.html'), '<!doctype html><title>Console</title>');
    writeFileSync(join(consoleDist, 'app.js'), 'void 0;');
    const t = await testApp(
      {
        limits: { siteNewConversationsPerMinute: 0, upgradeBurst: 0 },
        mail: { smtpUrl: await smtp.start(), from: 'Support <support@demo.test>' },
      },
      {
        paths: { widgetDist, consoleDist },
        onRoute: (r: RouteOptions) => {
          for (const m of Array.isArray(r.method) ? r.method : [r.method]) registered.push(`${m} ${r.url}`);
        },
      },
    );
    app = t.app;
    dispose = t.dispose;
    host = await listen(app);
    await otherSite(app);
    await signIn();
    tokens.key = (await createKey(tokens.admin, 'demo', 'matrix')).key;
    tokens.otherKey = (await createKey(tokens.otherAdmin, 'other', 'other matrix')).key;
    const keyToRotate = (await createKey(tokens.admin, 'demo', 'to rotate')).id;
    const keyToRevoke = (await createKey(tokens.admin, 'demo', 'to revoke')).id;
    // A webhook first, so the conversations below leave it deliveries.
    const hook = await app.inject({
      method: 'POST',
      url: '/api/v1/sites/demo/webhooks',
      headers: { authorization: `Bearer ${tokens.admin}` },
      payload: { url: 'https://hooks.example.com/sb', events: ['message.created'] },
    });
    expect(hook.statusCode).toBe(200);
    const webhook = (hook.json() as { id: string }).id;
    const ana = await agentRecord(app, 'ana@demo.test');
    const main = await conversation(app, ana, 'assigned');
    tokens.visitor = main.token;
    const closeable = await conversation(app, ana, 'assigned');
    const blockee = await conversation(app, ana, 'queued');
    const erasee = await conversation(app, ana, 'queued');
    await waitUntil(async () => (await app.storage.listDeliveries(webhook, 1)).length > 0);
    const [delivery] = await app.storage.listDeliveries(webhook, 1);
    const canned = async (shortcut: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/sites/demo/canned',
        headers: { authorization: `Bearer ${tokens.admin}` },
        payload: { shortcut, text: 'Hello!' },
      });
      expect(res.statusCode).toBe(200);
      return (res.json() as { id: string }).id;
    };
    const proactive = async (name: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/sites/demo/proactive-messages',
        headers: { authorization: `Bearer ${tokens.admin}` },
        payload: { name, text: 'Hello!', trigger: 'returning', seconds: 0 },
      });
      expect(res.statusCode).toBe(200);
      return (res.json() as { id: string }).id;
    };
    const member = await app.admin.createAgent({
      siteId: 'demo',
      email: 'member@demo.test',
      name: 'Member',
      role: 'agent',
      password: 'member-pass-1',
    });
    const invited = await app.admin.createAgent(
      { siteId: 'demo', email: 'invitee@demo.test', name: 'Invitee', role: 'agent' },
      'http://localhost',
    );
    const invitation = new URL(invited.invite?.url ?? 'http://x/').searchParams.get('invite');
    if (!delivery || !invitation) throw new Error('fixtures');
    f = {
      conversation: main.conversationId,
      closeable: closeable.conversationId,
      visitor: main.visitorId,
      blockee: blockee.visitorId,
      erasee: erasee.visitorId,
      webhook,
      delivery: delivery.id,
      canned: await canned('matrix-edit'),
      cannedToDelete: await canned('matrix-delete'),
      proactive: await proactive('matrix-edit'),
      proactiveToDelete: await proactive('matrix-delete'),
      keyToRotate,
      keyToRevoke,
      member: member.agent.id,
      ana: ana.id,
      invitation,
      fileUrl: await sentFile(app, main),
    };
  });

  afterAll(async () => {
    await dispose();
    await smtp.close();
    dist.remove();
  });

  it('has one row for every registered route (HEAD twins of GET aside), and no row for a route that is gone', () => {
    const gets = new Set(registered.filter((k) => k.startsWith('GET ')).map((k) => k.slice(4)));
    const routes = registered.filter((k) => !(k.startsWith('HEAD ') && gets.has(k.slice(5))));
    const rows = ROUTES.map((r) => r.route);
    expect(new Set(rows).size, 'a route has two rows').toBe(rows.length);
    expect([...new Set(routes)].sort()).toEqual([...rows].sort());
  });

  it.each(ROUTES.map((r) => [r.route, r] as const))('%s', async (_name, row) => {
    const expected = parseCells(row);
    // Refused callers first: a permitted caller's change (a revoked key, a closed conversation)
    // must not decide what a refused one gets.
    const order = [...CALLERS].sort((a, b) => Number(expected[a] === 'ok') - Number(expected[b] === 'ok'));
    const actual = {} as Record<Caller, string>;
    for (const caller of order) {
      const site = caller.endsWith('AtOwn') ? 'other' : 'demo';
      const url = row.url(f).replaceAll(':site', site);
      const token = tokenOf(caller);
      let status: number;
      if (row.ws) {
        status = await upgradeStatus(host, url, token);
        status = status === 101 ? 200 : status;
      } else {
        const [method] = row.route.split(' ') as [HTTPMethods];
        address++;
        const body = row.body?.(f, caller);
        const res = await app.inject({
          method,
          url,
          headers: { ...row.headers, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
          ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
          ...(row.loopback ? {} : { remoteAddress: `10.9.${address >> 8}.${address & 255}` }),
        });
        status = res.statusCode;
      }
      actual[caller] = cellOf(expected[caller], status);
      if (row.signsOut && expected[caller] === 'ok') await signIn();
    }
    expect(actual).toEqual(expected);
  });
});

// ====================================================================== WebSocket frames

/**
 * The sockets: the visitor whose conversation it is; another visitor of the site naming it;
 * `agent` = ana (the conversation is assigned to her, or queued); `colleague` = ben, an agent
 * of the site it is not assigned to; the site's admin; the other site's admin naming it.
 */
const SOCKETS = ['visitor', 'otherVisitor', 'agent', 'colleague', 'admin', 'otherAdmin'] as const;
type Socket = (typeof SOCKETS)[number];
const VISITOR_SOCKETS: readonly Socket[] = ['visitor', 'otherVisitor'];

interface FrameRow {
  type: string;
  /** The conversation's state when the frame is sent. */
  state: ConvState;
  frame: (conversationId: string, cid: string) => Record<string, unknown>;
  /**
   * visitor otherVisitor agent colleague admin otherAdmin: `ok` (accepted) or the error code
   * without `SB_ERR_`; for hello, `replay` = synced with the conversation's transcript.
   */
  cells: string;
}

const VISITOR_ONLY = 'ok ok UNKNOWN_TYPE UNKNOWN_TYPE UNKNOWN_TYPE UNKNOWN_TYPE';

const FRAMES: FrameRow[] = [
  {
    // A new socket's hello asking to resume the conversation.
    type: 'hello',
    state: 'assigned',
    frame: (id) => ({ type: 'hello', v: PROTOCOL_VERSION, cursors: { [id]: 0 } }),
    cells: 'replay ok replay replay replay ok',
  },
  { type: 'ping', state: 'queued', frame: () => ({ type: 'ping' }), cells: 'ok ok ok ok ok ok' },
  {
    type: 'send',
    state: 'assigned',
    frame: (conversationId, cid) => ({ type: 'send', cid, conversationId, text: 'Any news?' }),
    cells: 'ok NOT_FOUND ok FORBIDDEN ok NOT_FOUND',
  },
  {
    type: 'typing',
    state: 'assigned',
    frame: (conversationId) => ({ type: 'typing', conversationId, on: true }),
    cells: 'ok NOT_FOUND ok FORBIDDEN ok NOT_FOUND',
  },
  {
    type: 'read',
    state: 'assigned',
    frame: (conversationId) => ({ type: 'read', conversationId, seq: 1 }),
    cells: 'ok NOT_FOUND ok FORBIDDEN ok NOT_FOUND',
  },
  {
    type: 'history',
    state: 'assigned',
    frame: (conversationId, cid) => ({ type: 'history', cid, conversationId, before: 2 }),
    cells: 'ok NOT_FOUND ok ok ok NOT_FOUND',
  },
  { type: 'profile', state: 'queued', frame: () => ({ type: 'profile', name: 'Vera' }), cells: VISITOR_ONLY },
  {
    type: 'page',
    state: 'queued',
    frame: () => ({ type: 'page', url: 'https://shop.test/cart', title: 'Cart' }),
    cells: VISITOR_ONLY,
  },
  {
    type: 'rate',
    state: 'closed',
    frame: (conversationId, cid) => ({ type: 'rate', cid, conversationId, score: 5 }),
    cells: 'ok NOT_FOUND UNKNOWN_TYPE UNKNOWN_TYPE UNKNOWN_TYPE UNKNOWN_TYPE',
  },
  {
    type: 'note',
    state: 'assigned',
    frame: (conversationId, cid) => ({ type: 'note', cid, conversationId, text: 'VIP' }),
    cells: 'UNKNOWN_TYPE UNKNOWN_TYPE ok ok ok NOT_FOUND',
  },
  {
    type: 'claim',
    state: 'queued',
    frame: (conversationId, cid) => ({ type: 'claim', cid, conversationId }),
    cells: 'UNKNOWN_TYPE UNKNOWN_TYPE ok ok ok NOT_FOUND',
  },
  {
    type: 'transfer',
    state: 'assigned',
    frame: (conversationId, cid) => ({ type: 'transfer', cid, conversationId, department: 'Sales' }),
    cells: 'UNKNOWN_TYPE UNKNOWN_TYPE ok FORBIDDEN ok NOT_FOUND',
  },
  {
    type: 'close',
    state: 'assigned',
    frame: (conversationId, cid) => ({ type: 'close', cid, conversationId }),
    cells: 'UNKNOWN_TYPE UNKNOWN_TYPE ok FORBIDDEN ok NOT_FOUND',
  },
  {
    type: 'open',
    state: 'assigned',
    frame: (conversationId, cid) => ({ type: 'open', cid, conversationId }),
    cells: 'UNKNOWN_TYPE UNKNOWN_TYPE ok ok ok NOT_FOUND',
  },
  {
    type: 'status',
    state: 'queued',
    frame: () => ({ type: 'status', status: 'away' }),
    cells: 'UNKNOWN_TYPE UNKNOWN_TYPE ok ok ok ok',
  },
];

function frameCells(row: FrameRow): Record<Socket, string> {
  const words = row.cells.split(/\s+/).filter((w) => w !== '');
  if (words.length !== SOCKETS.length) throw new Error(`${row.type}: ${words.length} cells`);
  const codes = new Set<string>(Object.values(ErrorCode));
  const out = {} as Record<Socket, string>;
  SOCKETS.forEach((s, i) => {
    const w = words[i] as string;
    if (w !== 'ok' && w !== 'replay' && !codes.has(`SB_ERR_${w}`))
      throw new Error(`${row.type}: cell "${w}"`);
    out[s] = w;
  });
  return out;
}

type AnyFrame = { type: ServerFrame['type']; cid?: string; code?: string; conversationId?: string };
const short = (code: string | undefined) => (code ?? '?').replace(/^SB_ERR_/, '');

let probes = 0;

/**
 * What the socket answers to `frame`: `ok` or the error code. A frame with a cid is answered
 * under that cid (ack, history, error); one without is followed by a probe with a cid that the
 * socket's ordered chain answers after it — an error in between was the frame's.
 */
async function answer(c: Client, frame: Record<string, unknown>): Promise<string> {
  const from = c.received.length;
  c.send(frame);
  if (frame.type === 'ping') {
    await c.type('pong');
    return 'ok';
  }
  const cid = typeof frame.cid === 'string' ? frame.cid : undefined;
  if (cid !== undefined) {
    const got = (await c.next((x) => x.cid === cid)) as AnyFrame;
    return got.type === 'error' ? short(got.code) : 'ok';
  }
  const probe = `probe-${++probes}`;
  c.send({ type: 'history', cid: probe, conversationId: 'no-such-conversation', before: 1 });
  await c.next((x) => x.cid === probe);
  const err = (c.received.slice(from) as AnyFrame[]).find((x) => x.type === 'error' && x.cid === undefined);
  return err ? short(err.code) : 'ok';
}

/** A new socket's hello: `replay` when the conversation's transcript came before `synced`. */
async function hello(
  host: string,
  path: '/ws/visitor' | '/ws/agent',
  token: string,
  frame: Record<string, unknown>,
  conversationId: string,
): Promise<string> {
  const c = await Client.connect(host, path, token);
  try {
    c.send(frame);
    const first = (await c.next((x) => x.type === 'synced' || x.type === 'error')) as AnyFrame;
    if (first.type === 'error') return short(first.code);
    const replayed = (c.received as AnyFrame[]).some(
      (x) => x.type === 'history' && x.conversationId === conversationId,
    );
    return replayed ? 'replay' : 'ok';
  } finally {
    await c.close();
  }
}

describe('authorisation matrix: client frame types × sockets', () => {
  let app: FastifyInstance;
  let dispose: () => Promise<void>;
  let host: string;
  const pool = new ClientPool();
  let ana: AgentRecord;
  const tokens = {} as Record<Exclude<Socket, 'visitor'>, string>;
  const sockets = {} as Record<Exclude<Socket, 'visitor'>, Client>;

  beforeAll(async () => {
    const t = await testApp({
      limits: {
        siteNewConversationsPerMinute: 0,
        upgradeBurst: 0,
        addressRateBurst: 0,
        rateBurst: 10_000,
        controlRateBurst: 10_000,
        maxInvalidFrames: 1000,
      },
    });
    app = t.app;
    dispose = t.dispose;
    host = await listen(app);
    await otherSite(app);
    ana = await agentRecord(app, 'ana@demo.test');
    tokens.otherVisitor = (await visitorSession(app)).token;
    tokens.agent = await login(app, 'ana@demo.test');
    tokens.colleague = await login(app, 'ben@demo.test');
    tokens.admin = await login(app, 'admin@demo.test');
    tokens.otherAdmin = await login(app, 'boss@other.test', OTHER_PASSWORD);
    sockets.otherVisitor = pool.add(await Client.ready(host, '/ws/visitor', tokens.otherVisitor));
    for (const s of ['agent', 'colleague', 'admin', 'otherAdmin'] as const) {
      sockets[s] = pool.add(await Client.ready(host, '/ws/agent', tokens[s]));
    }
  });

  afterAll(async () => {
    await pool.closeAll();
    await dispose();
  });

  it('has one row for every client frame type of the protocol; a type one role lacks is refused as unknown there', () => {
    const visitorTypes = Object.keys(VisitorFrameSchemas);
    const agentTypes = Object.keys(AgentFrameSchemas);
    const rows = FRAMES.map((r) => r.type);
    expect(new Set(rows).size, 'a frame type has two rows').toBe(rows.length);
    expect([...rows].sort()).toEqual([...new Set([...visitorTypes, ...agentTypes])].sort());
    for (const row of FRAMES) {
      const cells = frameCells(row);
      for (const s of SOCKETS) {
        const known = (VISITOR_SOCKETS.includes(s) ? visitorTypes : agentTypes).includes(row.type);
        expect(cells[s] === 'UNKNOWN_TYPE', `${row.type} on the ${s} socket`).toBe(!known);
      }
    }
  });

  it.each(FRAMES.map((r) => [r.type, r] as const))('%s', async (type, row) => {
    const actual = {} as Record<Socket, string>;
    for (const s of SOCKETS) {
      // A conversation of its own per cell: one socket's accepted change is not another's state.
      const conv = await conversation(app, ana, row.state);
      const frame = row.frame(conv.conversationId, `${type}-${s}`);
      const path = VISITOR_SOCKETS.includes(s) ? '/ws/visitor' : '/ws/agent';
      const token = s === 'visitor' ? conv.token : tokens[s];
      if (type === 'hello') {
        actual[s] = await hello(host, path, token, frame, conv.conversationId);
      } else if (s === 'visitor') {
        const own = await Client.ready(host, '/ws/visitor', token);
        try {
          actual[s] = await answer(own, frame);
        } finally {
          await own.close();
        }
      } else {
        actual[s] = await answer(sockets[s], frame);
      }
    }
    expect(actual).toEqual(frameCells(row));
  });
});
