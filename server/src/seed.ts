/** First start: a demo site and three accounts, only when the database is empty. */
import type { FastifyBaseLogger } from 'fastify';
import type { PasswordHasher } from './http/auth.js';
import { newId, randomSecret } from './ids.js';
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
      departments: ['Sales', 'Support'],
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
  log.info(
    { site: DEMO_SITE_ID, accounts: DEMO_ACCOUNTS.map((a) => a.email) },
    `seeded site "${DEMO_SITE_ID}" and demo accounts (password ${DEMO_PASSWORD})`,
  );
  // Never log the secret: `npm start` prints it once to a terminal (main.ts).
  return { siteId: DEMO_SITE_ID, siteSecret: secret };
}
