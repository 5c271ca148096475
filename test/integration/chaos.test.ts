/**
 * Chaos test (issue 4): the real server as a child process, 50 visitors and 5 agent
 * connections over real WebSockets, random dropped sockets and several kill -9 restarts
 * of the server. At the end every side holds exactly the sent messages, once each, in
 * the same order, and the database agrees. Bounded in count and time; loopback only.
 *
 * It runs twice: one node on SQLite, and two nodes on one PostgreSQL and one Redis (issue
 * 13), where every client moves to the other node on each reconnect and the kills hit
 * either node in turn.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentTokens, ChatClient, visitorTokens } from '../support/chat-client.js';
import { ServerProcess } from '../support/server.js';

const VISITORS = 50;
const ROUNDS = 12;
const KILL_ROUNDS = new Set([2, 5, 8, 11]);
const AGENT_ACCOUNTS = ['ana@demo.test', 'ben@demo.test', 'admin@demo.test'];
/** Five agent connections over three accounts (an agent may hold several sockets). */
const AGENT_SOCKETS = ['ana@demo.test', 'ana@demo.test', 'ben@demo.test', 'ben@demo.test', 'admin@demo.test'];

interface Row {
  conversation_id: string;
  seq: number;
  id: string;
  cid: string | null;
  text: string;
}

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');

const SETUPS = [
  { name: 'one node on SQLite', nodes: 1, skip: false },
  { name: 'two nodes on PostgreSQL and Redis', nodes: 2, skip: pgUrl === '' || redisUrl === '' },
];

describe.each(SETUPS)(
  'chaos ($name): drops and kill -9 restarts lose and duplicate nothing',
  ({ nodes, skip }) => {
    const pgDatabase = `sb_chaos_${randomBytes(5).toString('hex')}`;
    const admin = () => new pg.Client({ connectionString: pgUrl });
    const databaseUrl = () => {
      const u = new URL(pgUrl);
      u.pathname = `/${pgDatabase}`;
      return u.toString();
    };
    const clusterEnv = (): Record<string, string> => ({
      DATABASE_URL: databaseUrl(),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `sb_chaos:${pgDatabase}:`,
      JWT_SECRET: 'chaos-test-shared-secret',
      CLUSTER_HEARTBEAT_MS: '200',
      // All 55 clients come from 127.0.0.1; with Redis the per-address budgets (upgrades,
      // frames) are shared by both nodes and survive their restarts (in memory a kill -9
      // resets them), so the chaos's reconnect storms would wait on them for minutes.
      UPGRADE_BURST: '100000',
      ADDRESS_RATE_BURST: '100000',
    });
    const servers =
      nodes === 1
        ? [new ServerProcess(18_600 + (process.pid % 50))]
        : [0, 1].map((k) => new ServerProcess(18_650 + (process.pid % 50) * 2 + k, skip ? {} : clusterEnv()));
    const server = servers[0] as ServerProcess;
    /** Each (re)connect of a client goes to the next node. */
    let turn = 0;
    const nextUrl = () => (servers[turn++ % servers.length] as ServerProcess).url;
    const origin = 'http://localhost:3000';
    const visitors: ChatClient[] = [];
    const agents: ChatClient[] = [];

    beforeAll(async () => {
      if (skip) return;
      if (nodes > 1) {
        const c = admin();
        await c.connect();
        await c.query(`CREATE DATABASE ${pgDatabase}`);
        await c.end();
      }
      // One after the other: the first seeds the empty database.
      for (const s of servers) await s.start();
    });

    afterAll(async () => {
      for (const c of [...visitors, ...agents]) c.close();
      for (const s of servers) await s.dispose();
      if (nodes > 1 && !skip) {
        const c = admin();
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
        await c.end();
      }
    });

    /** Every stored message, by conversation and seq. */
    async function storedRows(): Promise<Row[]> {
      const sql = 'SELECT conversation_id, seq, id, cid, text FROM messages ORDER BY conversation_id, seq';
      if (nodes === 1) {
        const db = new Database(join(server.dataDir, 'switchboard.db'), { readonly: true });
        const rows = db.prepare(sql).all() as Row[];
        db.close();
        return rows;
      }
      const c = new pg.Client({ connectionString: databaseUrl() });
      await c.connect();
      try {
        return (await c.query<Row>(sql)).rows;
      } finally {
        await c.end();
      }
    }

    const allClients = () => [...visitors, ...agents];
    const settled = () => Promise.all(allClients().map((c) => c.until(() => c.isSynced && c.pending === 0)));

    it.skipIf(skip)(
      'every side ends with exactly the sent messages, once each, in order',
      {
        timeout: 240_000,
      },
      async () => {
        const url = nodes === 1 ? server.url : nextUrl;
        for (const email of AGENT_SOCKETS) {
          const c = new ChatClient({
            baseUrl: url,
            role: 'agent',
            getToken: agentTokens(url, email),
          });
          agents.push(c);
        }
        await Promise.all(agents.map((a) => a.connect()));

        // Each visitor starts a conversation with a first message.
        const sent = new Map<string, string[]>(); // sender key → texts in the order sent
        const note = (key: string, text: string) => {
          const list = sent.get(key) ?? [];
          list.push(text);
          sent.set(key, list);
        };
        for (let i = 0; i < VISITORS; i++) {
          const v = new ChatClient({
            baseUrl: url,
            role: 'visitor',
            origin,
            getToken: visitorTokens(url, origin),
          });
          visitors.push(v);
        }
        await Promise.all(visitors.map((v) => v.connect()));
        visitors.forEach((v, i) => {
          const text = `v${i}-0`;
          note(`v${i}`, text);
          v.send(text);
        });
        await settled();
        const conversationOf = visitors.map((v) => {
          const [first] = [...v.acks.values()];
          expect(first?.conversationId).toBeTruthy();
          return first?.conversationId as string;
        });

        // Claims: conversation i goes to account i mod 3; every socket of that account opens it.
        const socketsOf = (email: string) => agents.filter((_, k) => AGENT_SOCKETS[k] === email);
        for (let i = 0; i < VISITORS; i++) {
          const email = AGENT_ACCOUNTS[i % AGENT_ACCOUNTS.length] as string;
          const [claimer] = socketsOf(email);
          await claimer?.command({ type: 'claim', conversationId: conversationOf[i] as string });
          for (const s of socketsOf(email)) {
            s.raw(JSON.stringify({ type: 'open', conversationId: conversationOf[i], since: 0 }));
          }
        }
        // Each agent socket holds the claimed conversations up to their system "joined" line.
        await Promise.all(
          visitors.map((v, i) => {
            const conversationId = conversationOf[i] as string;
            return v.until(() => v.lastSeq(conversationId) >= 2);
          }),
        );

        let kills = 0;
        let drops = 0;
        for (let round = 1; round <= ROUNDS; round++) {
          visitors.forEach((v, i) => {
            const text = `v${i}-${round}`;
            note(`v${i}`, text);
            v.send(text);
          });
          for (let i = round % 4; i < VISITORS; i += 4) {
            const email = AGENT_ACCOUNTS[i % AGENT_ACCOUNTS.length] as string;
            const sockets = socketsOf(email);
            const replier = sockets[round % sockets.length] as ChatClient;
            const text = `a${i}-${round}`;
            note(`a${i}`, text);
            replier.send(text, conversationOf[i]);
          }
          // Chaos while those messages are in flight.
          for (let k = 0; k < 5; k++) {
            const victims = allClients();
            victims[Math.floor(Math.random() * victims.length)]?.drop();
            drops++;
          }
          if (KILL_ROUNDS.has(round)) {
            // Either node in turn (with two): its clients resume on the other one.
            await (servers[kills % servers.length] as ServerProcess).restart('SIGKILL');
            kills++;
          }
          await settled();
        }

        // A final full resume of every client, then compare every view with the database.
        for (const c of allClients()) c.drop();
        await settled();
        const rows = await storedRows();
        const dbLength = (conversationId: string) =>
          rows.filter((r) => r.conversation_id === conversationId).length;
        // Live fan-out may trail the last ack by a moment: wait until every view has caught up.
        await Promise.all(
          conversationOf.flatMap((conversationId, i) => {
            const email = AGENT_ACCOUNTS[i % AGENT_ACCOUNTS.length] as string;
            return [visitors[i] as ChatClient, ...socketsOf(email)].map((c) =>
              c.until(() => c.lastSeq(conversationId) >= dbLength(conversationId)),
            );
          }),
        );

        for (const c of allClients()) {
          expect(c.violations).toEqual([]);
          expect(c.gaps).toBe(0);
          expect(c.pending).toBe(0);
        }

        for (let i = 0; i < VISITORS; i++) {
          const conversationId = conversationOf[i] as string;
          const dbRows = rows.filter((r) => r.conversation_id === conversationId);
          // Gap-free seq in the database.
          expect(dbRows.map((r) => r.seq)).toEqual(dbRows.map((_, k) => k + 1));
          // Every sent text exactly once, in the order its sender sent it.
          const chat = dbRows.filter((r) => r.cid !== null).map((r) => r.text);
          for (const key of [`v${i}`, `a${i}`]) {
            const mine = sent.get(key) ?? [];
            expect(chat.filter((t) => t.startsWith(`${key}-`))).toEqual(mine);
          }
          expect(new Set(dbRows.map((r) => r.cid).filter(Boolean)).size).toBe(chat.length);
          // The visitor and every socket of the assigned agent hold exactly the database's transcript.
          const expected = dbRows.map((r) => `${r.seq}:${r.id}`);
          const view = (c: ChatClient) => c.transcript(conversationId).map((m) => `${m.seq}:${m.id}`);
          expect(view(visitors[i] as ChatClient)).toEqual(expected);
          const email = AGENT_ACCOUNTS[i % AGENT_ACCOUNTS.length] as string;
          for (const s of socketsOf(email)) expect(view(s)).toEqual(expected);
        }
        expect(kills).toBe(KILL_ROUNDS.size);
        expect(drops).toBeGreaterThan(0);
      },
    );
  },
);
