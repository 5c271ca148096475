/** First start: a demo site and three accounts, only when the database is empty. */
import type { FastifyBaseLogger } from 'fastify';
import type { PasswordHasher } from './http/auth.js';
import { newId, randomSecret } from './ids.js';
import { Sender, SystemLines } from './routing/index.js';
import type { Storage } from './storage/types.js';

export const DEMO_SITE_ID = 'demo';
export const DEMO_PASSWORD = 'demo1234';
export const DEMO_ACCOUNTS = [
  { email: 'ana@demo.test', name: 'Ana Silva', role: 'agent' },
  { email: 'ben@demo.test', name: 'Ben Okafor', role: 'agent' },
  { email: 'admin@demo.test', name: 'Admin', role: 'admin' },
] as const;

/** Site-wide canned responses of the demo (typed as `/hi` in the console's reply box). */
export const DEMO_CANNED: ReadonlyArray<readonly [string, string]> = [
  ['hi', "Hi {visitor.name}, I'm {agent.name}. How can I help?"],
  ['thanks', 'Thanks for waiting, {visitor.name}!'],
  ['shipping', 'Orders ship within 2 working days; you get a tracking link by email.'],
  ['refund', 'You can return anything within 30 days for a full refund. Shall I start it for you?'],
  ['bye', 'Is there anything else I can help with? Have a lovely day!'],
];

export interface SeedResult {
  siteId: string;
  siteSecret: string;
}

export async function seedIfEmpty(
  storage: Storage,
  log: FastifyBaseLogger,
  passwords: PasswordHasher,
  opts: { history?: boolean } = {},
): Promise<SeedResult | null> {
  if (!(await storage.isEmpty())) return null;
  const now = Date.now();
  const secret = randomSecret(24);
  // At the configured cost, one after the other: a small sign-in queue (SCRYPT_MAX_QUEUE) must
  // not refuse the seed.
  const hashes: string[] = [];
  for (const _ of DEMO_ACCOUNTS) hashes.push(await passwords.hash(DEMO_PASSWORD));
  const agents = DEMO_ACCOUNTS.map((a, i) => ({
    id: newId('a'),
    siteId: DEMO_SITE_ID,
    email: a.email,
    name: a.name,
    role: a.role,
    passwordHash: hashes[i] as string,
    createdAt: now,
  }));
  // The site and its accounts in one transaction, only into an empty database (two nodes
  // starting at once on one PostgreSQL seed once).
  const created = await storage.createSite(
    {
      id: DEMO_SITE_ID,
      name: 'Demo Shop',
      secret,
      allowedOrigins: ['http://localhost:*', 'http://127.0.0.1:*'],
      departments: ['Sales', 'Support', 'Billing'],
      color: '#2563eb',
      title: 'Chat with us',
      greeting: 'Hi! How can we help?',
      createdAt: now,
    },
    agents,
    true,
  );
  if (!created) return null;
  for (const [shortcut, text] of DEMO_CANNED) {
    await storage.createCanned({
      id: newId('cr'),
      siteId: DEMO_SITE_ID,
      agentId: null,
      shortcut,
      text,
      createdAt: now,
      updatedAt: now,
    });
  }
  if (opts.history) await seedHistory(storage, agents, now);
  log.info(
    { site: DEMO_SITE_ID, accounts: DEMO_ACCOUNTS.map((a) => a.email) },
    `seeded site "${DEMO_SITE_ID}" and demo accounts (their password is in the start banner, never in the log)`,
  );
  // Never log the secret: `npm start` prints it once to a terminal (main.ts).
  return { siteId: DEMO_SITE_ID, siteSecret: secret };
}

/** The demo's past: who wrote, about what, in which department, and how they rated it. */
const HISTORY: ReadonlyArray<{
  name: string;
  department: string;
  ask: string;
  reply: string;
  score: number | null;
  comment?: string;
}> = [
  {
    name: 'Maya Patel',
    department: 'Sales',
    ask: 'Does the kettle work on induction?',
    reply: 'Yes, it comes with an induction plate.',
    score: 5,
    comment: 'Quick and clear, thank you!',
  },
  {
    name: 'Lukas Weber',
    department: 'Support',
    ask: 'My order #1042 has not arrived yet.',
    reply: 'It left our warehouse on Monday; here is the tracking link.',
    score: 4,
  },
  {
    name: 'Sofia Rossi',
    department: 'Billing',
    ask: 'I was charged twice for one order.',
    reply: 'Sorry about that: the second charge is refunded, it shows in 3–5 days.',
    score: 5,
    comment: 'Sorted in minutes.',
  },
  {
    name: 'Tom Becker',
    department: 'Support',
    ask: 'The lid of my kettle is loose.',
    reply: 'A replacement lid is on its way, free of charge.',
    score: 4,
  },
  {
    name: 'Aiko Tanaka',
    department: 'Sales',
    ask: 'Do you ship to Japan?',
    reply: 'We do: 5–8 working days, duties included.',
    score: 5,
  },
  {
    name: 'Omar Haddad',
    department: 'Billing',
    ask: 'Can I get an invoice with my company name?',
    reply: 'Of course, it is in your inbox now.',
    score: 3,
    comment: 'Fine, but I had to wait a bit.',
  },
  {
    name: 'Emma Dubois',
    department: 'Support',
    ask: 'How do I descale the kettle?',
    reply: 'Half water, half vinegar, boil, rinse twice.',
    score: null,
  },
  {
    name: 'Noah Kim',
    department: 'Sales',
    ask: 'Is there a discount for two kettles?',
    reply: 'Yes: 10 % off the second one with code TWOKETTLES.',
    score: 5,
  },
  {
    name: 'Priya Nair',
    department: 'Support',
    ask: 'The handle gets hot.',
    reply: 'Use the wooden grip cover in the box; it stays cool.',
    score: 2,
    comment: 'Should be cool out of the box.',
  },
  {
    name: 'Jonas Berg',
    department: 'Billing',
    ask: 'Do you take PayPal?',
    reply: 'We do, and cards and bank transfer.',
    score: null,
  },
  {
    name: 'Lea Martin',
    department: 'Sales',
    ask: 'Which size fits a family of four?',
    reply: 'The 1.7 l model.',
    score: 4,
  },
  {
    name: 'Carlos Ruiz',
    department: 'Support',
    ask: 'Can I return an opened kettle?',
    reply: 'Yes, within 30 days, even opened.',
    score: 5,
    comment: 'Great service.',
  },
];

/**
 * A fortnight of closed demo conversations — asked, answered, closed and mostly rated — so
 * Reports, Closed and search show something on first start. Written through the storage
 * contract with past timestamps, as the running server would have written them.
 */
async function seedHistory(
  storage: Storage,
  agents: ReadonlyArray<{ id: string; name: string; role: string }>,
  now: number,
): Promise<void> {
  const team = agents.filter((a) => a.role === 'agent');
  for (const [i, h] of HISTORY.entries()) {
    const agent = team[i % team.length];
    if (!agent) return;
    const start = now - (HISTORY.length - i) * 26 * 3_600_000; // one every ~26 hours
    const wait = 40_000 + (i % 4) * 35_000;
    const visitorId = newId('v');
    await storage.createVisitor({
      id: visitorId,
      siteId: DEMO_SITE_ID,
      externalId: null,
      name: h.name,
      email: `${h.name.split(' ')[0]?.toLowerCase()}@example.com`,
      verified: false,
      attributes: {},
      createdAt: start,
      lastSeenAt: start,
    });
    const conv = await storage.createConversation({
      siteId: DEMO_SITE_ID,
      visitorId,
      department: h.department,
      status: 'queued',
      at: start,
    });
    const say = (who: 'visitor' | 'agent', text: string, at: number) =>
      storage.appendMessages([
        {
          conversationId: conv.id,
          sender: who === 'visitor' ? Sender.visitor(visitorId) : Sender.agent(agent.id),
          cid: newId('seed'),
          text,
          author:
            who === 'visitor'
              ? { kind: 'visitor', name: h.name }
              : { kind: 'agent', id: agent.id, name: agent.name },
          at,
        },
      ]);
    await say('visitor', h.ask, start);
    const state = { status: 'assigned' as const, agentId: agent.id, department: h.department };
    await storage.transitionConversation(conv.id, {
      expect: { status: 'queued', agentId: null },
      next: state,
      line: SystemLines.joined(agent.name),
      note: null,
      at: start + wait,
    });
    await say('agent', h.reply, start + wait + 25_000);
    await say('visitor', 'Thank you!', start + wait + 70_000);
    const closedAt = start + wait + 240_000 + (i % 3) * 180_000;
    await storage.transitionConversation(conv.id, {
      expect: { status: 'assigned', agentId: agent.id },
      next: { ...state, status: 'closed' },
      line: SystemLines.closed(),
      note: null,
      at: closedAt,
    });
    if (h.score !== null) {
      const comment = h.comment ?? null;
      await storage.rateConversation({
        conversationId: conv.id,
        visitorId,
        sender: Sender.visitor(visitorId),
        cid: newId('seed'),
        score: h.score,
        comment,
        line: SystemLines.rated(h.score, comment),
        at: closedAt + 60_000,
      });
    }
  }
}
