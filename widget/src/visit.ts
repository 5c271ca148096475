/**
 * Where the visitor is, for the agents' context panel: the page open now goes in `hello`
 * (with the referrer and the local time zone) and each new page — a link, or a single-page
 * app's navigation — as a `page` frame on the open socket; no request of its own. The
 * server keeps the visit's pages (a `hello` within 30 min of the last page continues the
 * visit). Single-page apps change the URL without an event the widget could hear short of
 * patching the shop's history API, so the widget looks once a second.
 */
import type { Visit, VisitContext } from '@switchboard/protocol';

// The protocol's limit as a literal (importing `Visit` would ship the object), checked by type.
const MAX: typeof Visit.maxText = 1000;
const cut = (text: string) => text.slice(0, MAX);

/** The page open now. */
export const pageOf = () => ({ url: cut(document.URL), title: cut(document.title) });

/** `hello.ctx`: this page, the referrer and the local time zone. */
export const visitContext = (): VisitContext => ({
  pages: [pageOf()],
  referrer: cut(document.referrer),
  tz: -new Date().getTimezoneOffset(),
});
