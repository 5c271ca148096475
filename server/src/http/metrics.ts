/** `/metrics` (Prometheus): one registry per app instance, no global default registry. */

import { ErrorCode } from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { sbError } from '../errors.js';
import { secretsEqual } from './auth.js';

export interface Metrics {
  registry: Registry;
  liveSockets: Gauge;
  messagesCommitted: Counter;
  commitBatchSize: Histogram;
  commitSeconds: Histogram;
  invalidFrames: Counter;
  /** Every inbound frame refused, by reason (the error code: validation, rate limit, not ready…). */
  framesRejected: Counter;
  slowConsumers: Counter;
  /** How long a visitor waited in the queue before an agent joined, per site. */
  queueWait: Histogram;
  /** Webhook events from written to delivered (retries included), and attempts by outcome. */
  webhookLatency: Histogram;
  webhookAttempts: Counter;
  /** Failures that are the server's, not the caller's: `commit` (database), `http`, `ws`. */
  errors: Counter;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export interface MetricsPluginOptions {
  /** Process metrics (CPU, memory, event loop lag); off in tests that build many apps. */
  defaultMetrics?: boolean;
  /** METRICS_TOKEN: `/metrics` needs `Authorization: Bearer <token>`; null: loopback only. */
  token?: string | null;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may read `/metrics`: with a token, whoever sends it; without one, a direct request from
 * this machine only — a loopback peer and no forwarding header (a reverse proxy on the same
 * host adds `X-Forwarded-For` or `Forwarded`, so what it relays from the internet is refused).
 */
export function metricsAccess(
  token: string | null,
  req: { peer: string | undefined; authorization: string | undefined; forwarded: boolean },
): 'ok' | 'unauthorized' | 'forbidden' {
  if (token !== null) {
    const given = req.authorization?.startsWith('Bearer ') ? req.authorization.slice(7) : '';
    return given !== '' && secretsEqual(given, token) ? 'ok' : 'unauthorized';
  }
  return req.peer !== undefined && LOOPBACK.has(req.peer) && !req.forwarded ? 'ok' : 'forbidden';
}

export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app: FastifyInstance, opts) => {
    const registry = new Registry();
    if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
    const metrics: Metrics = {
      registry,
      liveSockets: new Gauge({
        name: 'switchboard_live_sockets',
        help: 'WebSocket connections open on this process',
        registers: [registry],
        collect() {
          this.set(app.hasDecorator('hub') ? app.hub.size : 0);
        },
      }),
      messagesCommitted: new Counter({
        name: 'switchboard_messages_committed_total',
        help: 'Messages durably committed (duplicates of a resent cid not counted)',
        registers: [registry],
      }),
      commitBatchSize: new Histogram({
        name: 'switchboard_commit_batch_size',
        help: 'Messages per group-commit transaction',
        buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
        registers: [registry],
      }),
      commitSeconds: new Histogram({
        name: 'switchboard_commit_duration_seconds',
        help: 'Duration of one group-commit transaction',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers: [registry],
      }),
      invalidFrames: new Counter({
        name: 'switchboard_invalid_frames_total',
        help: 'Inbound frames refused as invalid',
        labelNames: ['code'],
        registers: [registry],
      }),
      framesRejected: new Counter({
        name: 'switchboard_frames_rejected_total',
        help: 'Inbound frames refused, by reason (the error code sent back)',
        labelNames: ['reason'],
        registers: [registry],
      }),
      slowConsumers: new Counter({
        name: 'switchboard_slow_consumer_closes_total',
        help: 'Sockets closed with 4413 because their send buffer exceeded the limit',
        registers: [registry],
      }),
      queueWait: new Histogram({
        name: 'switchboard_queue_wait_seconds',
        help: 'Time a conversation waited in the queue until an agent joined it, per site',
        labelNames: ['site'],
        buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600],
        registers: [registry],
      }),
      webhookLatency: new Histogram({
        name: 'switchboard_webhook_delivery_seconds',
        help: 'Time from a webhook event being written to its delivery (a 2xx), retries included',
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
        registers: [registry],
      }),
      webhookAttempts: new Counter({
        name: 'switchboard_webhook_attempts_total',
        help: 'Webhook delivery attempts by outcome (delivered, retry, failed: given up)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
      errors: new Counter({
        name: 'switchboard_errors_total',
        help: 'Server-side failures: commit (a database write of messages), http (a 500), ws (a frame handler)',
        labelNames: ['kind'],
        registers: [registry],
      }),
    };
    // Queue length per site, read from the database at scrape time (the same on every node).
    new Gauge({
      name: 'switchboard_queue_length',
      help: 'Conversations waiting for an agent, per site',
      labelNames: ['site'],
      registers: [registry],
      async collect() {
        if (!app.hasDecorator('chat')) return;
        this.reset();
        for (const [site, n] of await app.chat.queueLengths()) this.set({ site }, n);
      },
    });
    // The bus as this node sees it: 0 while Redis is away (local sockets keep working).
    new Gauge({
      name: 'switchboard_bus_connected',
      help: '1 when the bus reaches the other nodes (always 1 with the in-process bus)',
      registers: [registry],
      collect() {
        this.set(app.hasDecorator('bus') && !app.bus.state().connected ? 0 : 1);
      },
    });
    new Gauge({
      name: 'switchboard_bus_publish_failures',
      help: 'Frames that could not be sent to other nodes since start (the bus was down)',
      registers: [registry],
      collect() {
        this.set(app.hasDecorator('bus') ? app.bus.state().publishFailures : 0);
      },
    });
    new Gauge({
      name: 'switchboard_cluster_peers',
      help: 'Other gateway nodes heard from within the last three heartbeats',
      registers: [registry],
      collect() {
        this.set(app.hasDecorator('cluster') ? app.cluster.peers : 0);
      },
    });
    app.decorate('metrics', metrics);
    app.get('/metrics', async (req, reply) => {
      const access = metricsAccess(opts.token ?? null, {
        peer: req.socket.remoteAddress,
        authorization: req.headers.authorization,
        forwarded: req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined,
      });
      if (access === 'unauthorized')
        throw sbError(ErrorCode.Unauthorized, 'Send Authorization: Bearer <METRICS_TOKEN>');
      if (access === 'forbidden') {
        throw sbError(
          ErrorCode.Forbidden,
          '/metrics answers this machine only; set METRICS_TOKEN to read it from elsewhere',
        );
      }
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'switchboard-metrics' },
);
