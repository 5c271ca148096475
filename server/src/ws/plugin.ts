/**
 * Realtime plugin: bus, hub, presence, chat service and the two WebSocket endpoints.
 * The token travels in the handshake's `Sec-WebSocket-Protocol: switchboard, <token>` (so no
 * proxy or access log ever holds it; the server selects `switchboard`), or — for scripts and
 * older clients — in `?token=`. It is verified in preValidation, i.e. BEFORE the upgrade: a
 * refused handshake is a plain HTTP 401/403 with an error body.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import fastifyWebsocket from '@fastify/websocket';
import { CloseCode, ErrorCode } from '@switchboard/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { PerMessageDeflateOptions } from 'ws';
import type { BlobStore } from '../blobs/index.js';
import { RedisBus } from '../bus/redis.js';
import type { Bus } from '../bus/types.js';
import { ChatService, firstLanguage } from '../chat/index.js';
import { Cluster } from '../cluster.js';
import type { Config } from '../config.js';
import { SbError } from '../errors.js';
import { agentTokenCurrent } from '../http/auth.js';
import { originAllowed } from '../http/origin.js';
import { Hub } from '../hub.js';
import { Presence } from '../presence.js';
import { Topic } from '../routing/index.js';
import { Timers } from '../timers.js';
import type { Principal } from './connection.js';
import { Gateway } from './gateway.js';

declare module 'fastify' {
  interface FastifyInstance {
    bus: Bus;
    hub: Hub;
    presence: Presence;
    /** What the other gateway nodes hold (empty with one node). */
    cluster: Cluster;
    chat: ChatService;
    gateway: Gateway;
    /** Every timer the gateway keeps (heartbeat, grace periods, close deadlines), counted. */
    timers: Timers;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface RealtimePluginOptions {
  config: Config;
  bus: Bus;
  /** Attachment bytes, and the secret their links are signed with (derived from the JWT secret). */
  files: { blobs: BlobStore; secret: string };
}

/** The subprotocol a client names first, with its token second (`switchboard, <token>`). */
export const SUBPROTOCOL = 'switchboard';

/** The handshake's token: from `Sec-WebSocket-Protocol` (`switchboard, <token>`), else `?token=`. */
export function handshakeToken(req: FastifyRequest): string | null {
  const offered = req.headers['sec-websocket-protocol'];
  if (typeof offered === 'string') {
    const [name, token] = offered.split(',').map((p) => p.trim());
    if (name === SUBPROTOCOL && token) return token;
  }
  const q = req.query as Record<string, unknown> | undefined;
  const t = q?.token;
  return typeof t === 'string' && t.length > 0 ? t : null;
}

/**
 * After the upgrade `ws` owns the TCP socket, but Node's HTTP layer still links the socket
 * to the upgrade request's ServerResponse (`socket._httpMessage`), and through it the
 * IncomingMessage, Fastify's Request and Reply, their child logger and `finish` listener —
 * about 2 KB kept for the whole life of every WebSocket (seen in a heap snapshot of 2 000
 * idle visitors: one ServerResponse, IncomingMessage, _Request, _Reply and Pino per socket).
 * Unlinking it lets them be collected; nothing reads them after the handshake.
 */
function releaseHttpObjects(req: FastifyRequest): void {
  const socket = req.raw.socket as (Socket & { _httpMessage?: ServerResponse | null }) | null;
  const res = socket?._httpMessage;
  if (socket && res && res.req === req.raw) res.detachSocket(socket);
}

/**
 * ws's permessage-deflate options from WS_DEFLATE… (false: the extension is never negotiated).
 * No context takeover either way: no zlib window survives a frame, so a socket costs no
 * compressor memory while it is idle; `threshold` keeps small frames (typing, acks, one chat
 * line) uncompressed, `concurrencyLimit` bounds the zlib jobs queued on libuv's thread pool.
 * The figures behind the defaults: docs/performance.md, "Bytes on a shopper's phone".
 */
export function deflateOptions(d: Config['wsDeflate']): PerMessageDeflateOptions | false {
  if (!d.enabled) return false;
  return {
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    threshold: d.threshold,
    concurrencyLimit: d.concurrency,
    serverMaxWindowBits: d.windowBits,
    zlibDeflateOptions: { level: d.level, memLevel: d.memLevel },
  };
}

const VISITOR_TOPIC = Topic.visitor('');

/** How often business hours are re-checked (a visitor sees the change within this). */
const OPENING_CHECK_MS = 30_000;

export const realtimePlugin = fp<RealtimePluginOptions>(
  async (app: FastifyInstance, opts) => {
    const { config, bus } = opts;
    const limits = config.limits;
    const timers = new Timers();
    const hub = new Hub(bus, {
      maxBufferedBytes: limits.maxBufferedBytes,
      maxFrameBytes: limits.maxOutgoingFrameBytes,
      heartbeatMs: limits.heartbeatMs,
      closeGraceMs: limits.closeGraceMs,
      timers,
      deflateThreshold: config.wsDeflate.enabled ? config.wsDeflate.threshold : null,
    });
    hub.onSlowConsumer = () => app.metrics.slowConsumers.inc();
    hub.onOversize = (type, bytes) =>
      app.log.error({ type, bytes, max: limits.maxOutgoingFrameBytes }, 'outgoing frame too large: not sent');
    let gateway: Gateway | null = null;
    const cluster = new Cluster(bus, timers, config.clusterHeartbeatMs);
    hub.remoteHolds = (topic) =>
      topic.startsWith(VISITOR_TOPIC) && cluster.visitorElsewhere(topic.slice(VISITOR_TOPIC.length));
    if (bus instanceof RedisBus) {
      bus.log = (level, msg, extra) => app.log[level](extra ?? {}, msg);
      // Frames published while Redis was away did not cross nodes: every node's sockets
      // resume (4503, with their cursors) so each client replays exactly what it missed.
      bus.onReconnected = () => {
        cluster.resync();
        if (gateway?.shuttingDown) return;
        app.log.warn({ sockets: hub.size }, 'redis bus back: asking local sockets to resume');
        hub.closeAll(CloseCode.Restarting, 'Restarting: resume');
      };
    }
    const presence = new Presence(
      config.agentGraceMs,
      {
        changed: (agentId, siteId, status) => {
          if (status === 'online') chat.agentAvailable(siteId);
          gateway
            ?.publishPresence(agentId, siteId)
            .catch((err: unknown) => app.log.error({ err }, 'presence publish failed'));
        },
        expired: (agentId) => {
          gateway?.agentExpired(agentId).catch((err: unknown) => app.log.error({ err }, 're-queue failed'));
        },
      },
      timers,
      cluster,
    );
    const chat = new ChatService({
      storage: app.storage,
      writer: app.writer,
      hub,
      presence,
      log: app.log,
      maxTextChars: limits.maxTextChars,
      history: { messages: limits.historyPageMessages, bytes: limits.historyPageBytes },
      mailer: app.mailer,
      mailReplyDelayMs: config.mail.replyDelayMs,
      mailDigestDelayMs: config.mail.digestDelayMs,
      consoleUrl: `${config.publicUrl ?? `http://localhost:${config.port}`}/console`,
      counters: app.limits,
      newConversationsPerMinute: limits.siteNewConversationsPerMinute,
      onWaitEnded: (siteId, waitMs) => app.metrics.queueWait.observe({ site: siteId }, waitMs / 1000),
      files: { ...opts.files, limits: config.attachments },
    });
    chat.onSiteChanged = (siteId) => cluster.announceSite(siteId);
    const dropBlocked = (siteId: string) =>
      gw
        .dropBlockedVisitors(siteId)
        .catch((err: unknown) => app.log.error({ err }, 'closing blocked visitors failed'));
    // A block closes the visitor's sockets here at once and, through the site channel, on every node.
    chat.onVisitorsBlocked = (siteId) => {
      void dropBlocked(siteId);
      cluster.announceSite(siteId);
    };
    chat.privacy.onVisitorDeleted = (siteId, visitorId) => {
      gw.dropErasedVisitor(siteId, visitorId);
      cluster.announceErased(visitorId, siteId);
    };
    gateway = new Gateway({
      hub,
      chat,
      presence,
      cluster,
      limits,
      log: app.log,
      metrics: app.metrics,
      counters: app.limits,
      timers,
    });
    const gw = gateway;
    app.decorate('bus', bus);
    app.decorate('hub', hub);
    app.decorate('presence', presence);
    app.decorate('cluster', cluster);
    app.decorate('chat', chat);
    app.decorate('gateway', gw);
    app.decorate('timers', timers);
    app.decorateRequest('principal', null);

    await app.register(fastifyWebsocket, {
      options: {
        maxPayload: limits.hardMaxPayloadBytes,
        perMessageDeflate: deflateOptions(config.wsDeflate),
        // A client that sent its token as a subprotocol gets `switchboard` selected (a browser
        // fails a handshake whose answer names none of the protocols it offered).
        handleProtocols: (offered: Set<string>) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      },
      // Graceful shutdown (runs before the HTTP server stops): commit, then 4503 to every client.
      preClose: async function (this: FastifyInstance) {
        await gw.shutdown(() => chat.flush());
        await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
      },
    });
    hub.startHeartbeat();
    // Business hours start and end on their own: check every 30 s and push `open` changes.
    timers.interval(() => {
      chat
        .publishOpeningChanges()
        .catch((err: unknown) => app.log.error({ err }, 'opening-hours check failed'));
    }, OPENING_CHECK_MS);
    // Retention: closed conversations past their site's retention are deleted, hourly and at start.
    const sweep = () =>
      void chat.applyRetention().catch((err: unknown) => app.log.error({ err }, 'retention sweep failed'));
    timers.interval(sweep, config.retentionSweepMs);
    app.addHook('onReady', async () => sweep());
    // Agents who still hold assigned conversations were connected before a restart: they get
    // the grace period from now, and their conversations are re-queued if they do not return.
    app.addHook('onReady', async () => {
      await cluster.start(
        { agents: () => presence.holdings(), visitors: () => gw.localVisitors() },
        {
          agent: (agentId, siteId) => presence.remoteChanged(agentId, siteId),
          visitor: (visitorId, siteId) => gw.remoteVisitorChanged(visitorId, siteId),
          site: (siteId) => {
            chat.refreshSite(siteId).catch((err: unknown) => app.log.error({ err }, 'site refresh failed'));
            void dropBlocked(siteId);
          },
          erased: (visitorId, siteId) => gw.dropErasedVisitor(siteId, visitorId),
          sessionEnded: (sessionId) => {
            app.sessions.markEnded(sessionId);
            gw.dropSession(sessionId);
          },
        },
      );
      for (const { agentId, siteId } of await chat.agentsWithAssignedConversations()) {
        if (presence.status(agentId) === 'offline') presence.expectBack(agentId, siteId);
      }
    });
    app.addHook('onClose', async () => {
      hub.stopHeartbeat();
      cluster.close();
      presence.close();
      chat.shutdown();
      timers.clearAll();
      await bus.close();
    });

    const refuse = (reply: FastifyReply, err: SbError) =>
      reply.code(err.httpStatus).send({ code: err.code, message: err.message, statusCode: err.httpStatus });
    const upgradeRule = { burst: limits.upgradeBurst, refillPerSec: limits.upgradeRefillPerSec };
    /** Upgrades per address, checked before anything else costs work. */
    async function upgradeAllowed(req: FastifyRequest): Promise<boolean> {
      return upgradeRule.burst <= 0 || app.limits.take(`upgrades:ip:${req.ip}`, upgradeRule);
    }
    const tooManyUpgrades = () =>
      new SbError(ErrorCode.RateLimited, 'Too many connections from this address; retry later');

    async function visitorAuth(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (gw.shuttingDown) return void refuse(reply, new SbError(ErrorCode.Unavailable));
      if (!(await upgradeAllowed(req))) return void refuse(reply, tooManyUpgrades());
      const payload = app.auth.verify(handshakeToken(req));
      if (payload?.kind !== 'visitor') {
        return void refuse(reply, new SbError(ErrorCode.Unauthorized, 'Missing or invalid visitor token'));
      }
      const site = await chat.site(payload.site);
      if (!site) return void refuse(reply, new SbError(ErrorCode.Unauthorized, 'Token for an unknown site'));
      if (!originAllowed(req.headers.origin, site.allowedOrigins)) {
        return void refuse(reply, new SbError(ErrorCode.OriginNotAllowed));
      }
      const visitor = await chat.visitor(payload.vid);
      if (!visitor || visitor.siteId !== site.id) {
        return void refuse(
          reply,
          new SbError(ErrorCode.Unauthorized, 'Unknown visitor; start a new session'),
        );
      }
      if (await chat.isBlocked(visitor.id)) {
        return void refuse(reply, new SbError(ErrorCode.Forbidden, 'This visitor is blocked on this site'));
      }
      const client = {
        userAgent: req.headers['user-agent']?.slice(0, 300) ?? null,
        locale: firstLanguage(req.headers['accept-language']),
      };
      req.principal = { kind: 'visitor', siteId: site.id, visitor, client };
    }

    async function agentAuth(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (gw.shuttingDown) return void refuse(reply, new SbError(ErrorCode.Unavailable));
      if (!(await upgradeAllowed(req))) return void refuse(reply, tooManyUpgrades());
      const payload = app.auth.verify(handshakeToken(req));
      if (payload?.kind !== 'agent') {
        return void refuse(reply, new SbError(ErrorCode.Unauthorized, 'Missing or invalid agent token'));
      }
      const agent = await chat.agent(payload.sub, payload.site);
      if (!agentTokenCurrent(agent, payload) || app.sessions.isEnded(payload.sid)) {
        return void refuse(reply, new SbError(ErrorCode.Unauthorized, 'Unknown agent; sign in again'));
      }
      req.principal = { kind: 'agent', agent, ...(payload.sid ? { sid: payload.sid } : {}) };
    }

    const handler = (socket: import('ws').WebSocket, req: FastifyRequest) => {
      const principal = req.principal;
      if (!principal) {
        // Unreachable: preValidation refuses the upgrade first. Kept as a guard.
        socket.close(CloseCode.Unauthorized, 'Unauthorized');
        return;
      }
      // @fastify/websocket's own 'error' listener closes over the upgrade's request and reply
      // and would keep them for the socket's lifetime; the gateway attaches its own.
      socket.removeAllListeners('error');
      gw.accept(socket, principal, req.ip);
      releaseHttpObjects(req);
    };

    app.get('/ws/visitor', { websocket: true, preValidation: visitorAuth }, handler);
    app.get('/ws/agent', { websocket: true, preValidation: agentAuth }, handler);
  },
  {
    name: 'switchboard-realtime',
    dependencies: ['switchboard-storage', 'switchboard-auth', 'switchboard-metrics'],
  },
);
