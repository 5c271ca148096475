/**
 * The visitor's current visit (the console's context panel): the pages their widget saw, the
 * referrer, browser, language and time zone. The widget sends it whole in `hello` and each new
 * page in a `page` frame; the row is replaced each time, and the site's agents hear the page
 * the visitor is on now as a `visit` frame.
 */
import { type PageFrame, type PageView, Visit, type VisitContext } from '@switchboard/protocol';
import type { Hub } from '../hub.js';
import { Topic } from '../routing/index.js';
import type { ConversationRecord, Storage, VisitRecord } from '../storage/types.js';
import type { VisitorActor } from './conversations.js';

/** What the socket's upgrade said about the browser. */
export interface VisitClient {
  userAgent: string | null;
  /** The first language of its Accept-Language header. */
  locale: string | null;
}

/** `de-CH,de;q=0.9,en;q=0.8` → `de-CH`; null when there is none that looks like a language tag. */
export function firstLanguage(header: string | undefined): string | null {
  const tag = header?.split(',')[0]?.split(';')[0]?.trim() ?? '';
  return /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/.test(tag) ? tag : null;
}

/** What the console shows beside a conversation. */
export interface VisitorContext {
  visit: VisitRecord | null;
  /** Newest first, at most `CONTEXT_CONVERSATIONS`. */
  conversations: ConversationRecord[];
}

export const CONTEXT_CONVERSATIONS = 20;
/** The User-Agent header is kept to this many characters. */
export const MAX_USER_AGENT = 300;

/** A page as stored: opened now unless it says when, never in the future (a visitor's clock may be wrong). */
function page(p: VisitContext['pages'][number], now: number): PageView {
  return { url: p.url, title: p.title, at: Math.min(p.at ?? now, now) };
}

/** Appends `next` to `pages` (a repeat of the last one only renames it), newest `maxPages` kept. */
export function addPage(pages: readonly PageView[], next: PageView): PageView[] {
  const last = pages[pages.length - 1];
  if (last && last.url === next.url) return [...pages.slice(0, -1), { ...last, title: next.title }];
  return [...pages, next].slice(-Visit.maxPages);
}

export class Visits {
  constructor(
    private readonly storage: Storage,
    private readonly hub: Hub,
  ) {}

  /**
   * The widget's `hello` (a page load, a reconnect): within `Visit.idleMs` of the stored
   * visit's last report it continues that visit (its pages extended, its referrer kept);
   * otherwise a new visit starts with this hello's referrer.
   */
  async hello(v: VisitorActor, ctx: VisitContext, client: VisitClient): Promise<void> {
    const now = Date.now();
    const stored = await this.storage.getVisit(v.visitorId);
    const same = stored !== null && stored.siteId === v.siteId && now - stored.updatedAt < Visit.idleMs;
    let pages = same ? stored.pages : [];
    for (const p of ctx.pages) pages = addPage(pages, page(p, now));
    const visit: VisitRecord = {
      visitorId: v.visitorId,
      siteId: v.siteId,
      pages,
      referrer: same ? stored.referrer : ctx.referrer || null,
      userAgent: client.userAgent ? client.userAgent.slice(0, MAX_USER_AGENT) : null,
      tzOffset: ctx.tz ?? null,
      locale: ctx.lang || client.locale,
      updatedAt: now,
    };
    await this.storage.putVisit(visit);
    this.tell(visit);
  }

  /** The widget saw a new page (a link, a single-page app's navigation) while connected. */
  async page(v: VisitorActor, frame: PageFrame): Promise<void> {
    const now = Date.now();
    const stored = await this.storage.getVisit(v.visitorId);
    const base: VisitRecord = stored ?? {
      visitorId: v.visitorId,
      siteId: v.siteId,
      pages: [],
      referrer: null,
      userAgent: null,
      tzOffset: null,
      locale: null,
      updatedAt: now,
    };
    const visit = {
      ...base,
      pages: addPage(base.pages, { url: frame.url, title: frame.title, at: now }),
      updatedAt: now,
    };
    await this.storage.putVisit(visit);
    this.tell(visit);
  }

  async context(siteId: string, visitorId: string): Promise<VisitorContext> {
    const [visit, conversations] = await Promise.all([
      this.storage.getVisit(visitorId),
      this.storage.listVisitorConversations(visitorId, CONTEXT_CONVERSATIONS),
    ]);
    return {
      visit: visit?.siteId === siteId ? visit : null,
      conversations: conversations.filter((c) => c.siteId === siteId),
    };
  }

  /** The site's agents hear where the visitor is now. */
  private tell(visit: VisitRecord): void {
    const current = visit.pages[visit.pages.length - 1];
    const topics = [Topic.siteAgents(visit.siteId)];
    if (!current || !this.hub.mayHaveSubscribers(topics)) return;
    this.hub.publish(topics, { type: 'visit', visitorId: visit.visitorId, page: current });
  }
}
