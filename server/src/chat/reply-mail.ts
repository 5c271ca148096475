/**
 * Email continuity: an agent's reply to a visitor who left an email and has no widget open
 * anywhere is mailed after `delayMs`, with every reply that came meanwhile (one mail, not one
 * per line). At that moment the visitor must still be away and the replies still unread; a
 * reply they saw in the widget is never mailed. The mail links back to the last page of the
 * shop they were on (if it is one of the site's allowed origins; else the site's first origin),
 * where the widget resumes the conversation.
 *
 * Best effort and per process: the node that stored the reply mails it; a crash inside the
 * delay loses that mail, never a message (docs/integration.md "Email").
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Hub } from '../hub.js';
import type { Mailer } from '../mail/mailer.js';
import { Topic } from '../routing/index.js';
import type { ConversationRecord, Storage } from '../storage/types.js';
import { Deferred } from './deferred.js';

/** How many lines before the new replies the mail quotes (context). */
const CONTEXT_LINES = 4;

export class ReplyMail {
  private readonly later: Deferred;
  /** Per conversation: the highest seq already mailed (a reply is mailed once). */
  private readonly mailedSeq = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly hub: Hub,
    private readonly mailer: Mailer,
    delayMs: number,
    private readonly log: FastifyBaseLogger,
  ) {
    this.later = new Deferred(
      delayMs,
      (id) => this.mail(id),
      (err, conversationId) => log.warn({ err, conversationId }, 'mail: a reply could not be mailed'),
    );
  }

  /** An agent's reply was stored in `conv`. */
  replied(conv: ConversationRecord): void {
    if (this.mailer.enabled) this.later.ask(conv.id);
  }

  /** Mails every pending conversation now (tests). */
  flush(): Promise<void> {
    return this.later.flush();
  }

  close(): void {
    this.later.close();
  }

  private async mail(conversationId: string): Promise<void> {
    const conv = await this.storage.getConversation(conversationId);
    if (!conv) return;
    const visitor = await this.storage.getVisitor(conv.visitorId);
    if (!visitor?.email) return;
    // In the widget right now (any tab, any node): they read it there.
    if (this.hub.heldAnywhere(Topic.visitor(visitor.id))) return;
    const after = Math.max(conv.visitorReadSeq, this.mailedSeq.get(conv.id) ?? 0);
    const news = (await this.storage.messagesSince(conv.id, after, 200)).filter(
      (m) => m.author.kind !== 'system',
    );
    const replies = news.filter((m) => m.author.kind === 'agent');
    const first = replies[0];
    if (!first) return;
    // A few lines before the first new reply, quoted, so the mail reads on its own.
    const context = (await this.storage.messagesBefore(conv.id, first.seq, CONTEXT_LINES)).filter(
      (m) => m.author.kind !== 'system',
    );
    const site = await this.storage.getSite(conv.siteId);
    if (!site) return;
    const visit = await this.storage.getVisit(visitor.id);
    const lastPage = visit?.pages.at(-1)?.url;
    const link =
      lastPage && site.allowedOrigins.some((o) => onOrigin(lastPage, o))
        ? lastPage
        : site.allowedOrigins.find((o) => !o.includes('*'));
    const line = (m: (typeof news)[number]) =>
      `${m.author.kind === 'visitor' ? 'You' : m.author.name}: ${m.text}`;
    const lines = [
      ...context.map((m) => `> ${line(m)}`),
      ...news.filter((m) => m.seq >= first.seq).map(line),
    ];
    const last = replies.at(-1) as (typeof replies)[number];
    const text = [
      `Hi${visitor.name ? ` ${visitor.name}` : ''},`,
      '',
      `${last.author.name} of ${site.name} answered your message:`,
      '',
      ...lines,
      '',
      link ? `To answer, open the chat on ${link}` : 'To answer, open the chat on our website.',
      '',
      `(Replies to this email are not read. You get it because you left this address in the chat of ${site.name}.)`,
    ].join('\n');
    await this.mailer.send({ to: visitor.email, subject: `${site.name}: a reply to your message`, text });
    this.mailedSeq.set(conv.id, Math.max(this.mailedSeq.get(conv.id) ?? 0, last.seq));
    this.log.info(
      { conversationId: conv.id, replies: replies.length },
      'mail: replies mailed to the visitor',
    );
  }
}

/** `url` is on `allowed` (an origin, or `http://localhost:*`: every port). */
function onOrigin(url: string, allowed: string): boolean {
  try {
    const origin = new URL(url).origin;
    if (allowed.endsWith(':*')) return origin.startsWith(allowed.slice(0, -1)) && /:\d+$/.test(origin);
    return origin === new URL(allowed).origin;
  } catch {
    return false;
  }
}
