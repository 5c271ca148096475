/**
 * TLS_CERT_FILE + TLS_KEY_FILE: the server speaks HTTPS and wss on its port (a self-signed
 * certificate made by openssl for the test), with HSTS; a half configuration is refused at start.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { listen, ORIGIN, tempDir, testApp, visitorSession } from './helpers.js';

const tmp = tempDir();
const certFile = join(tmp.dir, 'cert.pem');
const keyFile = join(tmp.dir, 'key.pem');
let app: FastifyInstance;
let dispose = async () => {};
let host = '';

beforeAll(async () => {
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  ({ app, dispose } = await testApp({ tls: { certFile, keyFile } }));
  host = await listen(app);
}, 60_000);

afterAll(async () => {
  await dispose();
  tmp.remove();
});

describe('TLS', () => {
  it('answers HTTPS with HSTS, and a visitor chats over wss', async () => {
    const ca = readFileSync(certFile);
    const res = await new Promise<{ status: number; hsts: string | undefined; body: string }>(
      (resolve, reject) => {
        get(`https://${host}/healthz`, { ca }, (r) => {
          let body = '';
          r.on('data', (d: Buffer) => {
            body += d.toString();
          });
          r.on('end', () =>
            resolve({
              status: r.statusCode ?? 0,
              hsts: r.headers['strict-transport-security'] as string,
              body,
            }),
          );
        }).on('error', reject);
      },
    );
    expect(res).toEqual({ status: 200, hsts: 'max-age=31536000', body: '{"ok":true}' });

    const { token } = await visitorSession(app);
    const ws = new WebSocket(`wss://${host}/ws/visitor?token=${encodeURIComponent(token)}`, {
      origin: ORIGIN,
      ca,
    });
    const frames: { type: string; cid?: string }[] = [];
    const got = (type: string, cid?: string) =>
      new Promise<void>((resolve) => {
        const check = () => frames.some((f) => f.type === type && (cid === undefined || f.cid === cid));
        if (check()) return resolve();
        ws.on('message', () => check() && resolve());
      });
    ws.on('message', (d: Buffer) => frames.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', v: 1 }));
    await got('synced');
    ws.send(JSON.stringify({ type: 'send', cid: 'tls-1', text: 'Hello over wss' }));
    await got('ack', 'tls-1');
    ws.close();
    const conversations = await app.storage.listOpenConversations('demo');
    expect(conversations.some((c) => c.lastMessage?.text === 'Hello over wss')).toBe(true);
  });

  it('a plain-HTTP client gets no answer as if it were HTTP; half a configuration is refused at start', async () => {
    const plain = await fetch(`http://${host}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
    expect(() => loadConfig({ TLS_CERT_FILE: certFile })).toThrow(
      'TLS_CERT_FILE and TLS_KEY_FILE go together',
    );
    expect(() => loadConfig({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: join(tmp.dir, 'missing.pem') })).toThrow(
      /TLS_KEY_FILE: no file at/,
    );
  });
});
