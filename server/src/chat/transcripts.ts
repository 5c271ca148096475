/**
 * Transcripts as text: the one format agents export (REST v1) and visitors download or get by
 * mail from the widget. Messages only (internal notes are never messages); a file shows by its name.
 */
import { ErrorCode, type Message } from '@switchboard/protocol';
import { sbError } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import type { ConversationRecord, Storage } from '../storage/types.js';
import type { Conversations, VisitorActor } from './conversations.js';
import type { Sites } from './sites.js';

export interface TranscriptParts {
  conversation: { id: string; createdAt: number };
  visitor: { name: string | null; email: string | null };
  messages: readonly Message[];
}

function messageText(m: Message): string {
  if (!m.attachment) return m.text;
  const file = `[file: ${m.attachment.name}]`;
  return m.text === m.attachment.name ? file : `${m.text} ${file}`;
}

/** A transcript as plain text: one line per message, the time in UTC. */
export function transcriptText(t: TranscriptParts, siteName: string): string {
  const who = t.visitor.name ?? t.visitor.email ?? 'Visitor';
  const head = [
    `Conversation ${t.conversation.id} — ${siteName}`,
    `Visitor: ${who}${t.visitor.email && t.visitor.name ? ` <${t.visitor.email}>` : ''}`,
    `Started: ${new Date(t.conversation.createdAt).toISOString()}`,
    '',
  ];
  const lines = t.messages.map(
    (m) =>
      `[${new Date(m.at).toISOString().replace('T', ' ').slice(0, 19)}] ${m.author.name}: ${messageText(m)}`,
  );
  return `${[...head, ...lines].join('\n')}\n`;
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

export interface VisitorTranscript {
  conversationId: string;
  text: string;
}

export class Transcripts {
  constructor(
    private readonly storage: Storage,
    private readonly conversations: Conversations,
    private readonly sites: Sites,
    private readonly mailer: Mailer,
  ) {}

  /** The visitor's own conversation (`id`, else their current one) as text; another's → 404. */
  async ofVisitor(
    v: VisitorActor,
    id: string | undefined,
  ): Promise<VisitorTranscript & { email: string | null; siteName: string }> {
    const conv: ConversationRecord | null =
      id === undefined
        ? await this.conversations.current(v.visitorId)
        : await this.conversations.ofVisitor(v, id);
    if (!conv || conv.siteId !== v.siteId) throw sbError(ErrorCode.NotFound, 'No such conversation');
    const [visitor, site] = await Promise.all([
      this.storage.getVisitor(v.visitorId),
      this.sites.get(conv.siteId),
    ]);
    if (!visitor || !site) throw sbError(ErrorCode.NotFound, 'No such conversation');
    const messages = await this.storage.messagesSince(conv.id, 0);
    const text = transcriptText({ conversation: conv, visitor, messages }, site.name);
    return { conversationId: conv.id, text, email: visitor.email, siteName: site.name };
  }

  /** Mails the transcript to the visitor's stored email (409 without one, 503 without SMTP). */
  async mailToVisitor(v: VisitorActor, id: string | undefined): Promise<void> {
    if (!this.mailer.enabled) {
      throw sbError(ErrorCode.Unavailable, 'This server sends no mail (SMTP_URL is not set)');
    }
    const t = await this.ofVisitor(v, id);
    if (!t.email) {
      throw sbError(ErrorCode.Conflict, 'No email address known for you: give one in the chat first');
    }
    const intro = `Here is your conversation with ${t.siteName}, as you asked in the chat.`;
    await this.mailer.send({
      to: t.email,
      subject: `Your conversation with ${t.siteName}`,
      text: `${intro}\n\n${t.text}`,
      html: `<!doctype html><html><body><p>${escapeHtml(intro)}</p><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(t.text)}</pre></body></html>`,
    });
  }
}
