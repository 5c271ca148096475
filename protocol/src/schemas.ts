/**
 * Runtime schemas of every wire frame and REST body (TypeBox / JSON Schema).
 *
 * This is the single source of truth: the TypeScript types in `types.ts` are
 * derived from these schemas with `Static<>`. The server validates every inbound
 * frame against them; the widget and the console import only the *types* (no
 * schema runtime) so they stay small.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { EMAIL_PATTERN, Visit } from './limits.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
/** Client-chosen id of a message or command, unique per sender (UUID recommended). */
const Cid = Type.String({ minLength: 1, maxLength: 64 });
/** Message text. Length limits are checked by the server to give a precise error code. */
const Text = Type.String({ maxLength: 100_000 });
const Seq = Type.Integer({ minimum: 0 });
/** A visitor's email (validated: it ends up in mailto: links and mail headers); '' clears it. */
const VisitorEmail = Type.String({ maxLength: 320, pattern: `(^$)|(${EMAIL_PATTERN})` });
const EpochMs = Type.Number();

// ---------------------------------------------------------------- data model

export const AuthorKind = Type.Union([
  Type.Literal('visitor'),
  Type.Literal('agent'),
  Type.Literal('system'),
]);

export const Author = Type.Object({
  kind: AuthorKind,
  id: Type.Optional(Id),
  name: Type.String(),
});

export const SystemEventKind = Type.Union([
  Type.Literal('joined'),
  Type.Literal('transferred'),
  Type.Literal('closed'),
  Type.Literal('reopened'),
  Type.Literal('notice'),
  Type.Literal('rated'),
]);

/** Structured meaning of a system line, so clients can localise it. */
export const SystemEvent = Type.Object({
  kind: SystemEventKind,
  agentName: Type.Optional(Type.String()),
  department: Type.Optional(Type.String()),
  /** A shop notification's title and link (`notice`, notify v1). */
  title: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  /** The visitor's rating of the closed period (`rated`): 1–5 and an optional comment. */
  score: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
  comment: Type.Optional(Type.String()),
});

/** The file types an attachment may have: checked by content (magic bytes), never by name. */
export const AttachmentType = Type.Union([
  Type.Literal('image/png'),
  Type.Literal('image/jpeg'),
  Type.Literal('image/gif'),
  Type.Literal('image/webp'),
  Type.Literal('application/pdf'),
]);

/**
 * A file sent with a message. `url` is short-lived and signed (`…/api/attachments/:id?e=&s=`):
 * the server adds a fresh one each time it sends the message (live, replay, REST), so only
 * the conversation's participants ever hold one, and none lives long.
 */
export const Attachment = Type.Object({
  id: Id,
  name: Type.String({ minLength: 1, maxLength: 255 }),
  type: AttachmentType,
  size: Type.Integer({ minimum: 1 }),
  url: Type.Optional(Type.String()),
});

/** `POST /api/attachments` → the stored upload, to be sent with a message's `attachment`. */
export const AttachmentUpload = Type.Object({
  id: Id,
  name: Type.String(),
  type: AttachmentType,
  size: Type.Integer({ minimum: 1 }),
});

export const Message = Type.Object({
  id: Id,
  conversationId: Id,
  /** Gap-free, per conversation, starting at 1. */
  seq: Seq,
  /** The sender's client id; present on visitor and agent messages. */
  cid: Type.Optional(Cid),
  text: Type.String(),
  author: Author,
  /** Server commit time, epoch milliseconds. */
  at: EpochMs,
  event: Type.Optional(SystemEvent),
  /** A file sent with the message (`text` is its caption, or the file's name). */
  attachment: Type.Optional(Attachment),
});

/** Internal note: visible to agents only, never sent to visitors, no `seq`. */
export const Note = Type.Object({
  id: Id,
  conversationId: Id,
  text: Type.String(),
  author: Author,
  at: EpochMs,
  /** The conversation's last seq when the note was written (to place it in the transcript). */
  afterSeq: Seq,
});

export const ConversationStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('assigned'),
  Type.Literal('closed'),
]);

export const VisitorInfo = Type.Object({
  id: Id,
  name: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  /** True when identity was verified with data-user-hash. */
  verified: Type.Boolean(),
  attributes: Type.Record(Type.String(), Type.String()),
  /** Agents' view: the visitor holds at least one socket right now (per gateway process). */
  online: Type.Optional(Type.Boolean()),
});

export const LastMessage = Type.Object({
  text: Type.String(),
  authorKind: AuthorKind,
  at: EpochMs,
});

export const ConversationSummary = Type.Object({
  id: Id,
  siteId: Id,
  department: Type.Union([Type.String(), Type.Null()]),
  status: ConversationStatus,
  visitor: VisitorInfo,
  agent: Type.Union([Type.Object({ id: Id, name: Type.String() }), Type.Null()]),
  lastSeq: Seq,
  lastMessage: Type.Union([LastMessage, Type.Null()]),
  /** Highest seq the visitor has read / the agent side has read. */
  visitorReadSeq: Seq,
  agentReadSeq: Seq,
  createdAt: EpochMs,
  updatedAt: EpochMs,
  closedAt: Type.Union([EpochMs, Type.Null()]),
  /** When it last entered a queue (created, reopened, transferred to a department, put back). */
  queuedAt: EpochMs,
  /**
   * Placed at the front of its queue: transferred to a department, or put back because its
   * agent went away. Queues are ordered front first, then by `queuedAt` (see `queueOrder`).
   */
  queueFront: Type.Boolean(),
  /** To its visitor, while queued: their place in their department's queue (1 = next). */
  queuePosition: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * To its visitor, with `queuePosition` when the site has recent waits to go by: the
   * estimated wait in milliseconds, whole minutes rounded up (the site's average wait of the
   * last 7 days × the position).
   */
  queueWaitMs: Type.Optional(Type.Integer({ minimum: 60_000, multipleOf: 60_000 })),
});

export const AgentStatus = Type.Union([
  Type.Literal('online'),
  Type.Literal('away'),
  Type.Literal('offline'),
]);

export const AgentRole = Type.Union([Type.Literal('agent'), Type.Literal('admin')]);

export const AgentInfo = Type.Object({
  id: Id,
  siteId: Id,
  email: Type.String(),
  name: Type.String(),
  role: AgentRole,
  status: AgentStatus,
  /**
   * Only in `GET`/`PATCH /api/me`: whether the server sends mail (SMTP_URL), and whether this
   * agent is mailed a digest of messages left while nobody of a site was online.
   */
  mail: Type.Optional(Type.Object({ enabled: Type.Boolean(), leftMessages: Type.Boolean() })),
  /** Only in the agent `welcome`: the agent's departments (none: every department). */
  departments: Type.Optional(Type.Array(Type.String())),
});

/** Opening hours of a site, in its own time zone. `to` may be "24:00". */
export const BusinessHours = Type.Object({
  /** IANA time zone, e.g. "Europe/Lisbon". */
  timezone: Type.String({ maxLength: 64 }),
  days: Type.Array(
    Type.Object({
      /** 0 = Sunday … 6 = Saturday. */
      day: Type.Integer({ minimum: 0, maximum: 6 }),
      from: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
      to: Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' }),
    }),
    { maxItems: 28 },
  ),
});

/** A proactive message as the widget receives it (`GET /api/sites/:site/proactive`): only enabled rules. */
export const PublicProactiveRule = Type.Object({
  id: Id,
  text: Type.String(),
  /** Seconds on the page before it shows. */
  after: Type.Integer({ minimum: 0, maximum: 3600 }),
  /** A RegExp source the widget tests against `document.URL` (from the rule's URL pattern). */
  url: Type.Optional(Type.String()),
  /** Only for a returning visitor (a new visit after 30 minutes away). */
  returning: Type.Optional(Type.Literal(true)),
  /** Only for an identified user whose attribute `attr` (from `setAttributes`) is `value`. */
  attr: Type.Optional(Type.String()),
  value: Type.Optional(Type.String()),
});

export const PublicProactiveRules = Type.Object({ rules: Type.Array(PublicProactiveRule) });

export const SiteConfig = Type.Object({
  id: Id,
  name: Type.String(),
  color: Type.String(),
  title: Type.String(),
  greeting: Type.String(),
  departments: Type.Array(Type.String()),
  /** True when at least one agent of the site is online. */
  agentsOnline: Type.Boolean(),
  /** Null or absent: always open. */
  businessHours: Type.Optional(Type.Union([BusinessHours, Type.Null()])),
  /** Inside business hours right now (true when no hours are set). */
  open: Type.Optional(Type.Boolean()),
  /**
   * The business hours as lines to show, per widget locale (`en`, `es`, …): "Mon – Fri 9:00 AM –
   * 5:00 PM", days with the same hours merged, the site's time zone as the last line (a widget
   * leaves that line out when it is the visitor's own zone). Absent without hours.
   */
  hoursText: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
  /** True when the server sends mail (`SMTP_URL`): the widget may offer "Email transcript". */
  mail: Type.Optional(Type.Boolean()),
});

// ---------------------------------------------------------------- client → server

const Cursors = Type.Record(Id, Seq, {
  description: 'conversationId → last seq the client already has',
});

/** A page the visitor saw: address and title as the widget read them, and when (epoch ms). */
export const PageView = Type.Object({
  url: Type.String({ maxLength: Visit.maxText }),
  title: Type.String({ maxLength: Visit.maxText }),
  at: EpochMs,
});

/** A page as a widget reports it: without `at`, it was opened now. */
export const PageReport = Type.Object({
  url: Type.String({ maxLength: Visit.maxText }),
  title: Type.String({ maxLength: Visit.maxText }),
  at: Type.Optional(EpochMs),
});

/** What a visitor's widget tells about the visit, in `hello` (agents see it in the context panel). */
export const VisitContext = Type.Object({
  /** This visit's pages, oldest first; the last one is the page open now. */
  pages: Type.Array(PageReport, { maxItems: Visit.maxPages }),
  /** `document.referrer` of the visit's first page ('' = typed in or hidden). */
  referrer: Type.Optional(Type.String({ maxLength: Visit.maxText })),
  /** The visitor's local time minus UTC, in minutes (e.g. 60 in Berlin in winter). */
  tz: Type.Optional(Type.Integer({ minimum: -900, maximum: 900 })),
  /** The browser's language (`navigator.language`). */
  lang: Type.Optional(Type.String({ maxLength: 35 })),
});

export const HelloFrame = Type.Object({
  type: Type.Literal('hello'),
  v: Type.Integer({ minimum: 1 }),
  cursors: Type.Optional(Cursors),
  /** Visitors only; agents' is ignored. */
  ctx: Type.Optional(VisitContext),
});

/** The visitor's page changed (a link, or a single-page app's navigation) while connected. */
export const PageFrame = Type.Object({
  type: Type.Literal('page'),
  url: Type.String({ maxLength: Visit.maxText }),
  title: Type.String({ maxLength: Visit.maxText }),
});

export const VisitorSendFrame = Type.Object({
  type: Type.Literal('send'),
  cid: Cid,
  text: Text,
  /** Omitted: the visitor's current conversation (created, or reopened, as needed). */
  conversationId: Type.Optional(Id),
  /** Department for a conversation this message creates. */
  department: Type.Optional(Type.String({ maxLength: 64 })),
  /** An upload of this visitor's (`POST /api/attachments`) sent with the message; `text` may then be empty. */
  attachment: Type.Optional(Id),
  /** The proactive message (its rule's id) this visitor replies to; only the message that creates a conversation uses it. */
  proactive: Type.Optional(Id),
});

export const TypingFrame = Type.Object({
  type: Type.Literal('typing'),
  conversationId: Type.Optional(Id),
  on: Type.Boolean(),
});

export const ReadFrame = Type.Object({
  type: Type.Literal('read'),
  conversationId: Id,
  seq: Seq,
});

export const ProfileFrame = Type.Object({
  type: Type.Literal('profile'),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  email: Type.Optional(VisitorEmail),
  attributes: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1000 }))),
});

export const PingFrame = Type.Object({ type: Type.Literal('ping') });

export const AgentSendFrame = Type.Object({
  type: Type.Literal('send'),
  cid: Cid,
  conversationId: Id,
  text: Text,
  /** An upload of this agent's (`POST /api/attachments`) sent with the message; `text` may then be empty. */
  attachment: Type.Optional(Id),
});

export const AgentNoteFrame = Type.Object({
  type: Type.Literal('note'),
  cid: Cid,
  conversationId: Id,
  text: Text,
});

export const ClaimFrame = Type.Object({
  type: Type.Literal('claim'),
  cid: Cid,
  conversationId: Id,
});

export const TransferFrame = Type.Object({
  type: Type.Literal('transfer'),
  cid: Cid,
  conversationId: Id,
  /** Give to this agent (at once, no accept step)… */
  toAgentId: Type.Optional(Id),
  /** …or put back in this department's queue (null = general queue). */
  department: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  note: Type.Optional(Type.String({ maxLength: 4000 })),
});

export const CloseFrame = Type.Object({
  type: Type.Literal('close'),
  cid: Cid,
  conversationId: Id,
});

/**
 * Ask for a conversation's transcript and its notes, and follow it live. With `since`: every
 * message with seq > since, in pages. Without: the newest page only (see `history`).
 */
export const OpenFrame = Type.Object({
  type: Type.Literal('open'),
  cid: Type.Optional(Cid),
  conversationId: Id,
  since: Type.Optional(Seq),
});

/**
 * Scroll-back: the newest page of messages with seq < before (visitors: their own
 * conversations; agents: their site's). Answered by one `history` frame with `older` set.
 */
/**
 * The visitor rates a closed conversation (the period that ended with its last close): one
 * rating per closed period; a resend with the same cid is acked again, another cid is refused.
 */
export const RateFrame = Type.Object({
  type: Type.Literal('rate'),
  cid: Cid,
  conversationId: Id,
  score: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.Optional(Type.String({ maxLength: 1000 })),
});

export const HistoryRequestFrame = Type.Object({
  type: Type.Literal('history'),
  cid: Type.Optional(Cid),
  conversationId: Id,
  before: Type.Integer({ minimum: 1 }),
});

export const StatusFrame = Type.Object({
  type: Type.Literal('status'),
  status: AgentStatus,
});

export const AgentTypingFrame = Type.Object({
  type: Type.Literal('typing'),
  conversationId: Id,
  on: Type.Boolean(),
});

export const VisitorClientFrame = Type.Union([
  HelloFrame,
  VisitorSendFrame,
  TypingFrame,
  ReadFrame,
  ProfileFrame,
  RateFrame,
  HistoryRequestFrame,
  PageFrame,
  PingFrame,
]);

export const AgentClientFrame = Type.Union([
  HelloFrame,
  AgentSendFrame,
  AgentNoteFrame,
  ClaimFrame,
  TransferFrame,
  CloseFrame,
  OpenFrame,
  StatusFrame,
  AgentTypingFrame,
  ReadFrame,
  HistoryRequestFrame,
  PingFrame,
]);

/** Per-type schemas, so the server can report which field of which frame is wrong. */
export const VisitorFrameSchemas: Record<string, TSchema> = {
  hello: HelloFrame,
  send: VisitorSendFrame,
  typing: TypingFrame,
  read: ReadFrame,
  profile: ProfileFrame,
  rate: RateFrame,
  history: HistoryRequestFrame,
  page: PageFrame,
  ping: PingFrame,
};

export const AgentFrameSchemas: Record<string, TSchema> = {
  hello: HelloFrame,
  send: AgentSendFrame,
  note: AgentNoteFrame,
  claim: ClaimFrame,
  transfer: TransferFrame,
  close: CloseFrame,
  open: OpenFrame,
  status: StatusFrame,
  typing: AgentTypingFrame,
  read: ReadFrame,
  history: HistoryRequestFrame,
  ping: PingFrame,
};

// ---------------------------------------------------------------- server → client

export const VisitorWelcomeFrame = Type.Object({
  type: Type.Literal('welcome'),
  v: Type.Integer(),
  role: Type.Literal('visitor'),
  visitorId: Id,
  /** The visitor's conversations, most recent first. */
  conversations: Type.Array(ConversationSummary),
  site: SiteConfig,
});

export const AgentWelcomeFrame = Type.Object({
  type: Type.Literal('welcome'),
  v: Type.Integer(),
  role: Type.Literal('agent'),
  agent: AgentInfo,
  /** Every open conversation of the site (queued and assigned). */
  conversations: Type.Array(ConversationSummary),
  agents: Type.Array(AgentInfo),
  departments: Type.Array(Type.String()),
});

/**
 * One page of a conversation's messages in seq order, bounded by count and bytes (the resume
 * replay, the answer to `open`, or to a `history` request). A replay from a cursor is every
 * message with seq > cursor, in as many pages as it takes; `more` says another page of the
 * same replay follows. A page read backwards (no cursor: the newest page; or `before`) has
 * `older`: whether messages before its first one exist.
 */
export const HistoryFrame = Type.Object({
  type: Type.Literal('history'),
  conversationId: Id,
  messages: Type.Array(Message),
  /** Agents only, on the first page of a replay or an `open`: the newest notes that fit a page. */
  notes: Type.Optional(Type.Array(Note)),
  /** Another page of this replay follows. */
  more: Type.Optional(Type.Literal(true)),
  /** On a page read backwards: whether messages with a seq below its first one exist. */
  older: Type.Optional(Type.Boolean()),
  /** The request's cid, on the last page that answers it. */
  cid: Type.Optional(Cid),
});

/** Sent once after `welcome` and all resume `history` frames: live traffic follows. */
export const SyncedFrame = Type.Object({ type: Type.Literal('synced') });

export const MessageFrame = Type.Object({
  type: Type.Literal('message'),
  message: Message,
});

export const NoteFrame = Type.Object({
  type: Type.Literal('note'),
  note: Note,
});

/** The command with this `cid` is committed. For `send`, `seq` and `messageId` are set. */
export const AckFrame = Type.Object({
  type: Type.Literal('ack'),
  cid: Cid,
  conversationId: Type.Optional(Id),
  seq: Type.Optional(Seq),
  messageId: Type.Optional(Id),
  at: Type.Optional(EpochMs),
});

export const ErrorFrame = Type.Object({
  type: Type.Literal('error'),
  code: Type.String(),
  message: Type.String(),
  cid: Type.Optional(Type.String()),
});

export const ConversationFrame = Type.Object({
  type: Type.Literal('conversation'),
  conversation: ConversationSummary,
});

export const ServerTypingFrame = Type.Object({
  type: Type.Literal('typing'),
  conversationId: Id,
  from: Author,
  on: Type.Boolean(),
});

export const ServerReadFrame = Type.Object({
  type: Type.Literal('read'),
  conversationId: Id,
  by: Type.Union([Type.Literal('visitor'), Type.Literal('agent')]),
  seq: Seq,
});

export const PresenceFrame = Type.Object({
  type: Type.Literal('presence'),
  agent: AgentInfo,
  /** For visitors' widgets: whether any agent of the site is online now. */
  agentsOnline: Type.Boolean(),
});

export const VisitorPresenceFrame = Type.Object({
  type: Type.Literal('visitor'),
  visitorId: Id,
  online: Type.Boolean(),
});

/** To the site's agents: a visitor is on another page (`hello` or `page`). */
export const VisitFrame = Type.Object({
  type: Type.Literal('visit'),
  visitorId: Id,
  page: PageView,
});

export const PongFrame = Type.Object({ type: Type.Literal('pong') });

/** The site's settings changed (or `open` flipped): replaces the `SiteConfig` the client holds. */
export const SiteFrame = Type.Object({
  type: Type.Literal('site'),
  site: SiteConfig,
});

export const ServerFrame = Type.Union([
  VisitorWelcomeFrame,
  AgentWelcomeFrame,
  HistoryFrame,
  SyncedFrame,
  MessageFrame,
  NoteFrame,
  AckFrame,
  ErrorFrame,
  ConversationFrame,
  ServerTypingFrame,
  ServerReadFrame,
  PresenceFrame,
  VisitorPresenceFrame,
  VisitFrame,
  PongFrame,
  SiteFrame,
]);

// ---------------------------------------------------------------- REST bodies

export const VisitorUser = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  email: Type.Optional(VisitorEmail),
  /** HMAC-SHA256(user id, site secret), hex. */
  hash: Type.Optional(Type.String({ maxLength: 128 })),
});

export const VisitorSessionRequest = Type.Object({
  site: Type.String({ minLength: 1, maxLength: 64 }),
  /** A token from an earlier session: the same visitor continues. */
  token: Type.Optional(Type.String({ maxLength: 2000 })),
  user: Type.Optional(VisitorUser),
});

/** `POST /api/visitor/transcript/email`: without `conversationId`, the visitor's current conversation. */
export const VisitorTranscriptEmailRequest = Type.Object(
  { conversationId: Type.Optional(Id) },
  { additionalProperties: false },
);

export const VisitorSessionResponse = Type.Object({
  token: Type.String(),
  visitorId: Id,
  verified: Type.Boolean(),
  site: SiteConfig,
});

export const LoginRequest = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 320 }),
  password: Type.String({ minLength: 1, maxLength: 200 }),
  /** The site to sign in to (an agent in several sites); default: the first one. */
  site: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export const LoginResponse = Type.Object({
  token: Type.String(),
  agent: AgentInfo,
  /** Every site the agent is an active member of, with the role there (the console's "Site" switch). */
  sites: Type.Array(Type.Object({ id: Id, name: Type.String(), role: AgentRole })),
});

export const NotifyRequest = Type.Object({
  userId: Type.String({ minLength: 1, maxLength: 200 }),
  text: Type.String({ minLength: 1, maxLength: 4000 }),
});

export const NotifyResponse = Type.Object({
  delivered: Type.Boolean(),
  conversationId: Id,
  seq: Seq,
});

/** A CSS hex color: #rgb, #rgba, #rrggbb or #rrggbbaa. */
export const HexColor = Type.String({ pattern: '^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$' });

/**
 * `PUT /api/sites/:site/settings` (admins of the site). Every field is optional; the fields
 * given replace the stored ones. `businessHours: null` removes the hours (always open).
 */
export const SiteSettingsRequest = Type.Object(
  {
    color: Type.Optional(HexColor),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    greeting: Type.Optional(Type.String({ maxLength: 500 })),
    businessHours: Type.Optional(Type.Union([BusinessHours, Type.Null()])),
    departments: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);

/** Body of every REST error response. */
export const HttpError = Type.Object({
  code: Type.String(),
  message: Type.String(),
  statusCode: Type.Integer(),
});

// ---------------------------------------------------------------- administration (docs/admin.md)

/** A site id: lower-case letters, digits and dashes (it goes into URLs and the snippet). */
export const SiteId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });
/** An allowed origin: `https://shop.example[:port]`, or `http://localhost:*` (any port, localhost only). */
export const AllowedOrigin = Type.String({ minLength: 1, maxLength: 300 });
export const AllowedOrigins = Type.Array(AllowedOrigin, { minItems: 1, maxItems: 50 });
const AgentEmail = Type.String({ minLength: 3, maxLength: 320, pattern: EMAIL_PATTERN });
const AgentName = Type.String({ minLength: 1, maxLength: 100 });
/** A new password: at least 8 characters. */
export const NewPassword = Type.String({ minLength: 8, maxLength: 200 });
const Departments = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: 50,
  uniqueItems: true,
});

/** 'manual': agents claim from the queue; 'auto': the server assigns to the least busy agent. */
export const AssignmentMode = Type.Union([Type.Literal('manual'), Type.Literal('auto')]);

/** Days a closed conversation is kept (1 day to 10 years). */
const RetentionDays = Type.Integer({ minimum: 1, maximum: 3650 });

/** A site as its admins see it (never its secret, except right after creation or rotation). */
export const AdminSite = Type.Object({
  assignment: AssignmentMode,
  /** Per-department overrides of `assignment`; a department not listed follows the site. */
  departmentAssignment: Type.Record(Type.String(), AssignmentMode),
  id: Id,
  name: Type.String(),
  allowedOrigins: Type.Array(Type.String()),
  color: Type.String(),
  title: Type.String(),
  greeting: Type.String(),
  departments: Type.Array(Type.String()),
  businessHours: Type.Union([BusinessHours, Type.Null()]),
  /** The `<script>` tag to paste into the shop's pages. */
  snippet: Type.String(),
  /** Until when the previous secret still verifies (after a rotation), epoch ms; null: no grace. */
  previousSecretUntil: Type.Union([EpochMs, Type.Null()]),
  /** Closed conversations are deleted this many days after they closed; null: kept. */
  retentionDays: Type.Union([RetentionDays, Type.Null()]),
});

/** `PATCH /api/admin/sites/:site`: every field optional, unknown fields refused. */
export const AdminSitePatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    allowedOrigins: Type.Optional(AllowedOrigins),
    color: Type.Optional(HexColor),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    greeting: Type.Optional(Type.String({ maxLength: 500 })),
    businessHours: Type.Optional(Type.Union([BusinessHours, Type.Null()])),
    departments: Type.Optional(Departments),
    assignment: Type.Optional(AssignmentMode),
    /** Replaces the overrides: every key must be one of the site's departments. */
    departmentAssignment: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 64 }), AssignmentMode, { maxProperties: 50 }),
    ),
    /** Days closed conversations are kept; 0: kept for ever. */
    retentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
  },
  { additionalProperties: false },
);

/** `POST /api/admin/sites/:site/secret` and site creation: the secret, shown once. */
export const SiteSecretResponse = Type.Object({
  site: Id,
  secret: Type.String(),
  previousSecretUntil: Type.Union([EpochMs, Type.Null()]),
});

/** One member of a site, as its admins see them. */
export const AdminAgent = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  role: AgentRole,
  active: Type.Boolean(),
  departments: Type.Array(Type.String()),
  /** Concurrent chats the agent takes at most; null: no limit. */
  maxChats: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** Invited and not joined yet (cannot sign in). */
  invited: Type.Boolean(),
});

/** `POST /api/admin/sites/:site/agents`: with `password`, the account is ready; without, an invitation. */
export const CreateAgentRequest = Type.Object(
  {
    email: AgentEmail,
    name: AgentName,
    role: AgentRole,
    password: Type.Optional(NewPassword),
    departments: Type.Optional(Departments),
    maxChats: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const CreateAgentResponse = Type.Object({
  agent: AdminAgent,
  /** The one-time invitation link (when no password was given). */
  inviteUrl: Type.Optional(Type.String()),
  inviteExpiresAt: Type.Optional(EpochMs),
  /** With an invitation: true when it was also mailed to the invitee (SMTP_URL configured). */
  mailed: Type.Optional(Type.Boolean()),
});

/** `PATCH /api/admin/sites/:site/agents/:agent`. */
export const AgentPatchRequest = Type.Object(
  {
    role: Type.Optional(AgentRole),
    active: Type.Optional(Type.Boolean()),
    departments: Type.Optional(Departments),
    maxChats: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()])),
  },
  { additionalProperties: false },
);

/** `GET /api/invitations/:token`: what the invitation page shows. */
export const InvitationInfo = Type.Object({
  email: Type.String(),
  name: Type.String(),
  site: Type.Object({ id: Id, name: Type.String() }),
  expiresAt: EpochMs,
});

/** `POST /api/invitations/:token` → LoginResponse. */
export const AcceptInvitationRequest = Type.Object(
  { name: AgentName, password: NewPassword },
  { additionalProperties: false },
);

/** `PATCH /api/me`. */
export const ProfilePatchRequest = Type.Object(
  {
    name: Type.Optional(AgentName),
    /** Mail me a digest of messages left while nobody was online (with SMTP_URL). */
    mailLeftMessages: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** `POST /api/me/password` → LoginResponse (a new token; every other session is signed out). */
export const PasswordChangeRequest = Type.Object(
  { oldPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: NewPassword },
  { additionalProperties: false },
);

/** `POST /api/auth/site` → LoginResponse for another site the agent is a member of. */
export const SwitchSiteRequest = Type.Object({ site: Id }, { additionalProperties: false });

/** `GET /api/setup`: whether first-run setup is open, and whether the given `?token=` is right. */
export const SetupStatus = Type.Object({
  needed: Type.Boolean(),
  tokenValid: Type.Boolean(),
  /** The seeded demo site is there (the sign-in page offers its demo accounts). */
  demo: Type.Boolean(),
  /** The server sends mail (SMTP_URL): the sign-in page offers "Forgot password?". */
  mail: Type.Optional(Type.Boolean()),
});

/** `POST /api/auth/password-reset`: mail a one-time link to this address (same answer either way). */
export const PasswordResetRequest = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }) },
  { additionalProperties: false },
);

/** `POST /api/auth/password-reset/:token` → LoginResponse (every other session is signed out). */
export const PasswordResetConfirm = Type.Object({ password: NewPassword }, { additionalProperties: false });

/** `POST /api/setup` (once, with the setup token `npm start` prints) → SetupResponse; 409 once a site exists. */
export const SetupRequest = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    site: Type.Object(
      { id: SiteId, name: Type.String({ minLength: 1, maxLength: 100 }), allowedOrigins: AllowedOrigins },
      { additionalProperties: false },
    ),
    admin: Type.Object(
      { name: AgentName, email: AgentEmail, password: NewPassword },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const SetupResponse = Type.Object({
  token: Type.String(),
  agent: AgentInfo,
  sites: Type.Array(Type.Object({ id: Id, name: Type.String(), role: AgentRole })),
  site: AdminSite,
  secret: Type.String(),
});

// ---------------------------------------------------------------- webhooks (docs/integration.md)

export const WebhookEventType = Type.Union([
  Type.Literal('conversation.created'),
  Type.Literal('conversation.assigned'),
  Type.Literal('conversation.transferred'),
  Type.Literal('conversation.closed'),
  Type.Literal('conversation.reopened'),
  Type.Literal('conversation.rated'),
  Type.Literal('message.created'),
  Type.Literal('visitor.deleted'),
]);

/** The conversation as webhooks carry it. */
export const WebhookConversation = Type.Object({
  id: Id,
  visitorId: Id,
  status: ConversationStatus,
  agentId: Type.Union([Id, Type.Null()]),
  department: Type.Union([Type.String(), Type.Null()]),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  closedAt: Type.Union([EpochMs, Type.Null()]),
});

/**
 * The body of every delivery (`POST` to the endpoint). `id` is the event's: the same on every
 * retry, for de-duplication. `data` is `{conversation}` for `conversation.*`,
 * `{conversation: {id}, message}` for `message.created`, and `{visitor: {id, externalId},
 * conversations: [{id}]}` for `visitor.deleted` (an admin erased the visitor's data).
 */
export const WebhookBody = Type.Object({
  id: Id,
  type: WebhookEventType,
  createdAt: EpochMs,
  site: Id,
  data: Type.Record(Type.String(), Type.Unknown()),
});

/** `POST /api/v1/sites/:site/webhooks`. */
export const WebhookCreateRequest = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    events: Type.Array(WebhookEventType, { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const WebhookCreateResponse = Type.Object({ id: Id, secret: Type.String() });

export const WebhookInfo = Type.Object({
  id: Id,
  url: Type.String(),
  events: Type.Array(WebhookEventType),
  active: Type.Boolean(),
  createdAt: EpochMs,
});

export const DeliveryInfo = Type.Object({
  id: Id,
  eventId: Id,
  type: WebhookEventType,
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer({ minimum: 0 }),
  /** The endpoint's last HTTP status; null when it did not answer. */
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  nextAt: EpochMs,
  createdAt: EpochMs,
  updatedAt: EpochMs,
});

// ---------------------------------------------------------------- blocked visitors

/** `POST /api/v1/sites/:site/visitors/:id/block`. */
export const ApiBlockRequest = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

/** A blocked visitor: refused a session and a socket until an admin unblocks them. */
export const ApiBlock = Type.Object({
  visitorId: Id,
  site: Type.String(),
  /** The agent who blocked them, or `api:<key id>`. */
  by: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  createdAt: EpochMs,
  visitor: Type.Object({
    name: Type.Union([Type.String(), Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
  }),
});

// ---------------------------------------------------------------- canned responses

/** A canned response's shortcut, typed after `/` in the reply box: `hi`, `refund-policy`. */
export const CannedShortcut = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9_-]+$' });

/**
 * A saved answer. Site-wide ones (`agentId` null) are managed by admins and API keys; an
 * agent's personal ones (`agentId` theirs) by that agent. Placeholders `{visitor.name}`,
 * `{visitor.email}` and `{agent.name}` are filled in by the console when inserted.
 */
export const ApiCanned = Type.Object({
  id: Id,
  site: Type.String(),
  shortcut: Type.String(),
  text: Type.String(),
  agentId: Type.Union([Id, Type.Null()]),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});

/** `POST /api/v1/sites/:site/canned`. `personal`: the calling agent's own (default: site-wide). */
export const ApiCannedCreate = Type.Object(
  {
    shortcut: CannedShortcut,
    text: Type.String({ minLength: 1, maxLength: 2000 }),
    personal: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** `PUT /api/v1/sites/:site/canned/:id`. */
export const ApiCannedUpdate = Type.Object(
  {
    shortcut: Type.Optional(CannedShortcut),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

// ---------------------------------------------------------------- API keys, notify v1

/** `POST /api/v1/sites/:site/api-keys` (admins). */
export const ApiKeyCreateRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const ApiKeyInfo = Type.Object({
  id: Id,
  name: Type.String(),
  /** The key's first characters, to tell keys apart. */
  prefix: Type.String(),
  createdAt: EpochMs,
  revokedAt: Type.Union([EpochMs, Type.Null()]),
});

/** A new or rotated key: `key` is shown this once (only its hash is stored). */
export const ApiKeyCreated = Type.Intersect([ApiKeyInfo, Type.Object({ key: Type.String() })]);

/**
 * `POST /api/v1/sites/:site/notify` (an API key of the site, or the site secret): a message from
 * the shop to one shopper, by the shop's user id or a visitor id. Idempotent on `id`.
 */
export const NotifyV1Request = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    visitorId: Type.Optional(Id),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    text: Type.String({ minLength: 1, maxLength: 4000 }),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, pattern: '^https?://' })),
    /** The shop's id for this notification: sending it again stores nothing new. */
    id: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

export const NotifyV1Response = Type.Object({
  delivered: Type.Boolean(),
  conversationId: Id,
  seq: Seq,
  /** True when this `id` was sent before (nothing new was stored). */
  duplicate: Type.Boolean(),
});

// ---------------------------------------------------------------- REST API v1: conversations

export const ApiConversation = Type.Intersect([
  WebhookConversation,
  Type.Object({ lastSeq: Seq, lastMessage: Type.Union([LastMessage, Type.Null()]) }),
]);

/** A page of conversations, newest first; `nextCursor` fetches the next (older) page. */
export const ApiConversationPage = Type.Object({
  items: Type.Array(ApiConversation),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/** A piece of a search snippet; `match`: a word the query matched (highlight it). */
export const SnippetPart = Type.Object({ text: Type.String(), match: Type.Boolean() });

/** One conversation found by search, with its newest matching message as a snippet. */
export const ApiSearchHit = Type.Object({
  conversation: ApiConversation,
  visitor: Type.Object({
    name: Type.Union([Type.String(), Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
  }),
  /** Empty when only the visitor's name or email matched. */
  snippet: Type.Array(SnippetPart),
  /** The matching message's seq; null when only the visitor matched. */
  seq: Type.Union([Seq, Type.Null()]),
});

/** Search results, newest conversation first; `nextCursor` fetches the next page (null: none). */
export const ApiSearchPage = Type.Object({
  items: Type.Array(ApiSearchHit),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/** A page of messages in seq order; `nextAfter` is the `after` of the next page (null: none). */
export const ApiMessagePage = Type.Object({
  items: Type.Array(Message),
  nextAfter: Type.Union([Seq, Type.Null()]),
});

export const ApiVisitor = Type.Object({
  id: Id,
  /** The shop's own user id (verified identity or notify). */
  externalId: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  verified: Type.Boolean(),
  attributes: Type.Record(Type.String(), Type.String()),
  createdAt: EpochMs,
  lastSeenAt: EpochMs,
});

/** The context panel: this visit of the visitor, and their other conversations. */
export const ApiVisitorContext = Type.Object({
  visitorId: Id,
  /** This visit's pages, oldest first (the last: where they are now); empty before any hello. */
  pages: Type.Array(PageView),
  referrer: Type.Union([Type.String(), Type.Null()]),
  /** The browser's User-Agent header, as sent when the socket opened. */
  userAgent: Type.Union([Type.String(), Type.Null()]),
  /** Local time minus UTC in minutes; null when unknown. */
  tzOffset: Type.Union([Type.Integer(), Type.Null()]),
  locale: Type.Union([Type.String(), Type.Null()]),
  /** When the widget last reported the visit (null: never). */
  updatedAt: Type.Union([EpochMs, Type.Null()]),
  /** The visitor's conversations, newest first (at most 20), the current one included. */
  conversations: Type.Array(ApiConversation),
});

export const ApiAgent = Type.Object({
  id: Id,
  name: Type.String(),
  email: Type.String(),
  role: AgentRole,
  active: Type.Boolean(),
  status: AgentStatus,
});

/**
 * `GET …/visitors/:id/export` (admins, API keys): everything stored about a visitor — for a
 * data subject's access request. `visit` is their current visit (null: none recorded).
 */
export const ApiVisitorExport = Type.Object({
  exportedAt: EpochMs,
  site: Id,
  visitor: ApiVisitor,
  visit: Type.Union([Type.Omit(ApiVisitorContext, ['visitorId', 'conversations']), Type.Null()]),
  block: Type.Union([
    Type.Object({ by: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), createdAt: EpochMs }),
    Type.Null(),
  ]),
  /** Oldest first, each whole: messages in seq order, the agents' internal notes, the ratings. */
  conversations: Type.Array(
    Type.Object({
      conversation: ApiConversation,
      messages: Type.Array(Message),
      notes: Type.Array(Note),
      ratings: Type.Array(
        Type.Object({
          score: Type.Integer({ minimum: 1, maximum: 5 }),
          comment: Type.Union([Type.String(), Type.Null()]),
          createdAt: EpochMs,
        }),
      ),
    }),
  ),
});

/** `DELETE …/visitors/:id` (admins, API keys): what the erasure deleted. */
export const ApiVisitorDeleted = Type.Object({
  visitorId: Id,
  conversations: Type.Integer({ minimum: 0 }),
  messages: Type.Integer({ minimum: 0 }),
});

/**
 * `GET …/audit` (admins, API keys): administration actions, newest first. `actor.id` is the
 * agent's id or `api:<key id>`; `details` are the fields the request asked for, with
 * passwords, secrets and tokens removed.
 */
export const ApiAuditPage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Id,
      at: EpochMs,
      actor: Type.Object({ id: Type.String(), name: Type.String() }),
      action: Type.String(),
      target: Type.Union([Type.String(), Type.Null()]),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/** `GET …/conversations/:id/transcript` (JSON; `?format=text` gives plain text). */
export const ApiTranscript = Type.Object({
  conversation: ApiConversation,
  visitor: ApiVisitor,
  messages: Type.Array(Message),
});

/** `POST …/conversations/:id/messages`: an agent's reply (agent token) or the shop's system message (API key). */
export const ApiSendRequest = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 4000 }),
    /** Your id for this message: sending it again stores nothing new. */
    cid: Cid,
  },
  { additionalProperties: false },
);

export const ApiSendResponse = Type.Object({ conversationId: Id, seq: Seq });

/** `POST …/conversations/:id/assign`: to this agent of the site (claimed for them, or transferred). */
export const ApiAssignRequest = Type.Object({ agentId: Id }, { additionalProperties: false });

// ---------------------------------------------------------------- reports

const Millis = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
  description: 'Average in milliseconds; null when nothing in the range had one',
});

/** `GET /api/v1/sites/:site/reports`: conversations created in [from, to), ratings given in it. */
export const ApiReport = Type.Object({
  site: Id,
  from: EpochMs,
  to: EpochMs,
  agentId: Type.Union([Id, Type.Null()]),
  department: Type.Union([Type.String(), Type.Null()]),
  conversations: Type.Integer({ minimum: 0 }),
  closed: Type.Integer({ minimum: 0 }),
  /** Created → first agent message. */
  firstResponseMs: Millis,
  /** Created → first assignment (the "joined" line). */
  waitMs: Millis,
  /** Created → closed, of the closed ones. */
  handleMs: Millis,
  csat: Type.Object({
    count: Type.Integer({ minimum: 0 }),
    average: Type.Union([Type.Number(), Type.Null()]),
    /** How many ratings of 1, 2, 3, 4 and 5. */
    distribution: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 5, maxItems: 5 }),
  }),
});

// ---------------------------------------------------------------- proactive messages

const ProactiveFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  /** The message the visitor sees. */
  text: Type.String({ minLength: 1, maxLength: 1000 }),
  /** The department it speaks for (and the conversation a reply starts goes to); null: the site. */
  department: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]),
  /** page: a URL pattern; returning: a new visit after 30 minutes away; attribute: an identified user's attribute. */
  trigger: Type.Union([Type.Literal('page'), Type.Literal('returning'), Type.Literal('attribute')]),
  /**
   * A glob: `*` matches anything. Starting with `/` it matches the path (and query) on every host of
   * the site, otherwise the whole URL. Required for `page`.
   */
  urlPattern: Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()]),
  /** Seconds on the page before it shows (every trigger). */
  seconds: Type.Integer({ minimum: 0, maximum: 3600 }),
  /** Required for `attribute`: the `setAttributes` name and the value it must have. */
  attribute: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]),
  value: Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()]),
  enabled: Type.Boolean(),
};

/** A proactive message as admins manage it (`/api/v1/sites/:site/proactive-messages`). */
export const ApiProactiveRule = Type.Object({ id: Id, ...ProactiveFields, createdAt: EpochMs });

/** `POST …/proactive-messages`: name, text, trigger and seconds required; the rest default to null / enabled. */
export const ApiProactiveRuleCreate = Type.Object(
  {
    name: ProactiveFields.name,
    text: ProactiveFields.text,
    trigger: ProactiveFields.trigger,
    seconds: ProactiveFields.seconds,
    department: Type.Optional(ProactiveFields.department),
    urlPattern: Type.Optional(ProactiveFields.urlPattern),
    attribute: Type.Optional(ProactiveFields.attribute),
    value: Type.Optional(ProactiveFields.value),
    enabled: Type.Optional(ProactiveFields.enabled),
  },
  { additionalProperties: false },
);

/** `PATCH …/proactive-messages/:id`: one or more of the fields. */
export const ApiProactiveRuleUpdate = Type.Partial(Type.Object(ProactiveFields), {
  additionalProperties: false,
  minProperties: 1,
});
