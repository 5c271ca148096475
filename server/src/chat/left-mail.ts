/**
 * "Messages left while nobody was online", mailed to the site's agents: a visitor's message
 * stored while no agent of the site is online (any node) starts a digest, sent `delayMs` later
 * to every active agent of the site who wants it (Profile › "Email me messages left while
 * nobody is online", default on). It lists each conversation still waiting with the messages
 * left since the previous digest, and links to the console. If an agent came online meanwhile,
 * nothing is sent: they have the queue in front of them.
 *
 * Best effort and per process, like ReplyMail: mail never holds or loses a chat message.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Mailer } from '../mail/mailer.js';
import type { Storage } from '../storage/types.js';
import { Deferred } from './deferred.js';

/** The newest messages per conversation a digest quotes. */
const LINES_PER_CONVERSATION = 3;

export class LeftMail {
  private readonly later: Deferred;
  /** Per site with a digest pending: messages from this time on go in it. */
  private readonly since = new Map<string, number>();
  /** Per site: when the last digest was composed (messages before it were in it). */
  private readonly lastDigest = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly mailer: Mailer,
    private readonly agentsOnline: (siteId: string) => boolean,
    delayMs: number,
    private readonly consoleUrl: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.later = new Deferred(
      delayMs,
      (siteId) => this.digest(siteId, this.since.get(siteId) ?? 0).finally(() => this.since.delete(siteId)),
      (err, site) => log.warn({ err, site }, 'mail: the digest could not be mailed'),
    );
  }

  /** A visitor's message was stored at `at` in a conversation of the site. */
  visitorWrote(siteId: string, at: number): void {
    if (!this.mailer.enabled || this.agentsOnline(siteId)) return;
    const since = this.lastDigest.get(siteId) ?? at;
    if (this.later.ask(siteId)) this.since.set(siteId, since);
  }

  /** Sends every pending digest now (tests). */
  flush(): Promise<void> {
    return this.later.flush();
  }

  close(): void {
    this.later.close();
  }

  private async digest(siteId: string, since: number): Promise<void> {
    if (this.agentsOnline(siteId)) return;
    const now = Date.now();
    const site = await this.storage.getSite(siteId);
    if (!site) return;
    const waiting = (await this.storage.listOpenConversations(siteId, 'queued')).filter(
      (c) => c.lastMessage !== null && c.lastMessage.at >= since,
    );
    const blocks: string[] = [];
    for (const c of waiting) {
      const left = (await this.storage.messagesBefore(c.id, c.lastSeq + 1, LINES_PER_CONVERSATION)).filter(
        (m) => m.author.kind === 'visitor' && m.at >= since,
      );
      if (left.length === 0) continue;
      const visitor = await this.storage.getVisitor(c.visitorId);
      const who = visitor?.name ?? 'A visitor';
      const contact = visitor?.email ? ` <${visitor.email}>` : '';
      blocks.push(
        [
          `${who}${contact}${c.department ? ` (${c.department})` : ''}:`,
          ...left.map((m) => `  ${new Date(m.at).toISOString().slice(11, 16)} UTC  ${m.text}`),
        ].join('\n'),
      );
    }
    this.lastDigest.set(siteId, now);
    if (blocks.length === 0) return;
    const recipients = (await this.storage.listAgents(siteId)).filter(
      (a) => a.active && a.passwordHash !== '' && a.mailLeftMessages,
    );
    const subject = `${site.name}: ${blocks.length} ${blocks.length === 1 ? 'conversation' : 'conversations'} waiting`;
    for (const a of recipients) {
      const text = [
        `Hi ${a.name},`,
        '',
        `While nobody of ${site.name} was online, visitors left these messages:`,
        '',
        blocks.join('\n\n'),
        '',
        `Answer them in the console: ${this.consoleUrl}`,
        '',
        '(You get this because "Email me messages left while nobody is online" is on in your profile.)',
      ].join('\n');
      await this.mailer.send({ to: a.email, subject, text });
    }
    this.log.info(
      { site: siteId, conversations: blocks.length, agents: recipients.length },
      'mail: digest sent',
    );
  }
}
