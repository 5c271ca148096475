/**
 * Rows as both stores return them (snake_case columns, JSON as TEXT, timestamps as epoch
 * milliseconds, booleans as 0/1) and their mapping to records: one schema shape, so SQLite
 * and PostgreSQL share these and differ only in their SQL.
 */
import type {
  AgentRole,
  Attachment,
  AttachmentType,
  AuthorKind,
  BusinessHours,
  ConversationStatus,
  Message,
  Note,
  PageView,
  SystemEvent,
  WebhookEventType,
} from '@switchboard/protocol';
import type {
  AccountRecord,
  AgentRecord,
  ApiKeyRecord,
  AssignmentMode,
  AttachmentRecord,
  AuditRecord,
  BlockRecord,
  CannedRecord,
  ConversationFilter,
  ConversationRecord,
  DeliveryRecord,
  DeliveryState,
  DueDelivery,
  InvitationRecord,
  MembershipPatch,
  MembershipRecord,
  NewAgent,
  NewMessage,
  ProactiveRecord,
  ProactiveRule,
  QueueEntry,
  RatingRecord,
  RefreshSessionRecord,
  ReportFigures,
  ReportFilter,
  SitePatch,
  SiteRecord,
  VisitorRecord,
  VisitRecord,
  WebhookRecord,
} from './types.js';

/** The last-message preview kept on the conversation row (the queue shows it). */
export const PREVIEW_CHARS = 280;

/** The stored preview of a message text. */
export function previewOf(text: string): string {
  return text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text;
}

export interface SiteRow {
  id: string;
  name: string;
  secret: string;
  allowed_origins: string;
  departments: string;
  color: string;
  title: string;
  greeting: string;
  business_hours: string | null;
  previous_secret: string | null;
  previous_secret_until: number | null;
  assignment: string;
  department_assignment: string;
  retention_days: number | null;
  created_at: number;
}
export interface AccountRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  token_version: number;
  created_at: number;
  mail_left_messages: number;
}
export interface MembershipRow {
  agent_id: string;
  site_id: string;
  role: string;
  active: number;
  departments: string;
  max_chats: number | null;
  created_at: number;
}
/** An account joined with one membership (AGENT_SELECT). */
export interface AgentRow extends AccountRow {
  site_id: string;
  role: string;
  active: number;
  departments: string;
  max_chats: number | null;
}
export interface InvitationRow {
  token_hash: string;
  site_id: string;
  agent_id: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** The columns of an agent: the account, and its membership of one site (`m`). */
export const AGENT_SELECT = `SELECT a.id, a.email, a.name, a.password_hash, a.token_version, a.created_at, a.mail_left_messages,
  m.site_id, m.role, m.active, m.departments, m.max_chats
  FROM memberships m JOIN agents a ON a.id = m.agent_id`;
export interface VisitorRow {
  id: string;
  site_id: string;
  external_id: string | null;
  name: string | null;
  email: string | null;
  verified: number;
  attributes: string;
  created_at: number;
  last_seen_at: number;
}
export interface ConversationRow {
  id: string;
  site_id: string;
  visitor_id: string;
  department: string | null;
  status: string;
  agent_id: string | null;
  last_seq: number;
  last_text: string | null;
  last_author_kind: string | null;
  last_at: number | null;
  visitor_read_seq: number;
  agent_read_seq: number;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  queued_at: number;
  queue_front: number;
}
export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  sender: string | null;
  cid: string | null;
  text: string;
  author_kind: string;
  author_id: string | null;
  author_name: string;
  event: string | null;
  at: number;
  attachment: string | null;
}
export interface NoteRow {
  id: string;
  conversation_id: string;
  sender: string;
  cid: string | null;
  text: string;
  author_id: string | null;
  author_name: string;
  after_seq: number;
  at: number;
}

/** The stored per-department modes; anything but 'auto' / 'manual' values is dropped. */
function departmentModes(json: string | null | undefined): Record<string, AssignmentMode> {
  const out: Record<string, AssignmentMode> = {};
  try {
    const raw = JSON.parse(json ?? '{}') as Record<string, unknown>;
    for (const [d, m] of Object.entries(raw)) if (m === 'auto' || m === 'manual') out[d] = m;
  } catch {
    // A hand-edited row: no overrides rather than a crash.
  }
  return out;
}

export function toSite(r: SiteRow): SiteRecord {
  return {
    id: r.id,
    name: r.name,
    secret: r.secret,
    allowedOrigins: JSON.parse(r.allowed_origins) as string[],
    departments: JSON.parse(r.departments) as string[],
    color: r.color,
    title: r.title,
    greeting: r.greeting,
    businessHours: r.business_hours === null ? null : (JSON.parse(r.business_hours) as BusinessHours),
    previousSecret: r.previous_secret,
    previousSecretUntil: r.previous_secret_until === null ? null : Number(r.previous_secret_until),
    assignment: r.assignment === 'auto' ? 'auto' : 'manual',
    departmentAssignment: departmentModes(r.department_assignment),
    retentionDays: r.retention_days === null ? null : Number(r.retention_days),
    createdAt: r.created_at,
  };
}
export function toAccount(r: AccountRow): AccountRecord {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    passwordHash: r.password_hash,
    tokenVersion: Number(r.token_version),
    createdAt: r.created_at,
    mailLeftMessages: Number(r.mail_left_messages) === 1,
  };
}
export function toMembership(r: MembershipRow): MembershipRecord {
  return {
    agentId: r.agent_id,
    siteId: r.site_id,
    role: r.role as AgentRole,
    active: Number(r.active) === 1,
    departments: JSON.parse(r.departments) as string[],
    maxChats: r.max_chats === null ? null : Number(r.max_chats),
    createdAt: r.created_at,
  };
}
export function toAgent(r: AgentRow): AgentRecord {
  return {
    ...toAccount(r),
    siteId: r.site_id,
    role: r.role as AgentRole,
    active: Number(r.active) === 1,
    departments: JSON.parse(r.departments) as string[],
    maxChats: r.max_chats === null ? null : Number(r.max_chats),
  };
}
export function toInvitation(r: InvitationRow): InvitationRecord {
  return {
    tokenHash: r.token_hash,
    siteId: r.site_id,
    agentId: r.agent_id,
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
    createdAt: Number(r.created_at),
  };
}

/** A site's row for INSERT (both stores bind the same values). */
export function siteRowOf(site: SiteRecord): SiteRow {
  return {
    id: site.id,
    name: site.name,
    secret: site.secret,
    allowed_origins: JSON.stringify(site.allowedOrigins),
    departments: JSON.stringify(site.departments),
    color: site.color,
    title: site.title,
    greeting: site.greeting,
    business_hours: site.businessHours ? JSON.stringify(site.businessHours) : null,
    previous_secret: site.previousSecret ?? null,
    previous_secret_until: site.previousSecretUntil ?? null,
    assignment: site.assignment ?? 'manual',
    department_assignment: JSON.stringify(site.departmentAssignment ?? {}),
    retention_days: site.retentionDays ?? null,
    created_at: site.createdAt,
  };
}

/** A site row with a patch applied (both stores' UPDATE binds these). */
export function patchedSiteRow(cur: SiteRow, patch: SitePatch): SiteRow {
  return {
    ...cur,
    name: patch.name ?? cur.name,
    allowed_origins: patch.allowedOrigins ? JSON.stringify(patch.allowedOrigins) : cur.allowed_origins,
    departments: patch.departments ? JSON.stringify(patch.departments) : cur.departments,
    color: patch.color ?? cur.color,
    title: patch.title ?? cur.title,
    greeting: patch.greeting ?? cur.greeting,
    assignment: patch.assignment ?? cur.assignment,
    department_assignment: patch.departmentAssignment
      ? JSON.stringify(patch.departmentAssignment)
      : cur.department_assignment,
    retention_days: patch.retentionDays === undefined ? cur.retention_days : patch.retentionDays,
    business_hours:
      patch.businessHours === undefined
        ? cur.business_hours
        : patch.businessHours === null
          ? null
          : JSON.stringify(patch.businessHours),
  };
}

/** The rows creating an agent writes: the account and its first membership. */
export function newAgentRows(a: NewAgent): {
  /** `mail_left_messages` takes the column's default (on). */
  account: Omit<AccountRow, 'mail_left_messages'> & { site_id: string; role: string };
  membership: MembershipRow;
} {
  return {
    account: {
      id: a.id,
      site_id: a.siteId,
      email: a.email,
      name: a.name,
      role: a.role,
      password_hash: a.passwordHash,
      token_version: 0,
      created_at: a.createdAt,
    },
    membership: membershipRowOf({
      agentId: a.id,
      siteId: a.siteId,
      role: a.role,
      active: true,
      departments: a.departments ?? [],
      maxChats: a.maxChats ?? null,
      createdAt: a.createdAt,
    }),
  };
}

export function membershipRowOf(m: MembershipRecord): MembershipRow {
  return {
    agent_id: m.agentId,
    site_id: m.siteId,
    role: m.role,
    active: m.active ? 1 : 0,
    departments: JSON.stringify(m.departments),
    max_chats: m.maxChats,
    created_at: m.createdAt,
  };
}
export function toVisitor(r: VisitorRow): VisitorRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    externalId: r.external_id,
    name: r.name,
    email: r.email,
    verified: r.verified === 1,
    attributes: JSON.parse(r.attributes) as Record<string, string>,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
  };
}
export function toConversation(r: ConversationRow): ConversationRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    visitorId: r.visitor_id,
    department: r.department,
    status: r.status as ConversationStatus,
    agentId: r.agent_id,
    lastSeq: r.last_seq,
    lastMessage:
      r.last_text !== null && r.last_author_kind !== null && r.last_at !== null
        ? { text: r.last_text, authorKind: r.last_author_kind as AuthorKind, at: r.last_at }
        : null,
    visitorReadSeq: r.visitor_read_seq,
    agentReadSeq: r.agent_read_seq,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    queuedAt: Number(r.queued_at),
    queueFront: Number(r.queue_front) === 1,
  };
}
/** The columns `listQueue` selects, on both stores. */
export const QUEUE_COLUMNS = 'id, visitor_id, department, queued_at, queue_front';
export type QueueRow = Pick<
  ConversationRow,
  'id' | 'visitor_id' | 'department' | 'queued_at' | 'queue_front'
>;
export function toQueueEntry(r: QueueRow): QueueEntry {
  return {
    id: r.id,
    visitorId: r.visitor_id,
    department: r.department,
    queuedAt: Number(r.queued_at),
    queueFront: Number(r.queue_front) === 1,
  };
}
export function toMessage(r: MessageRow): Message {
  const m: Message = {
    id: r.id,
    conversationId: r.conversation_id,
    seq: r.seq,
    text: r.text,
    author:
      r.author_id === null
        ? { kind: r.author_kind as AuthorKind, name: r.author_name }
        : { kind: r.author_kind as AuthorKind, id: r.author_id, name: r.author_name },
    at: r.at,
  };
  if (r.cid !== null) m.cid = r.cid;
  if (r.event !== null) m.event = JSON.parse(r.event) as SystemEvent;
  if (r.attachment !== null) m.attachment = JSON.parse(r.attachment) as Attachment;
  return m;
}

export interface AttachmentRow {
  id: string;
  site_id: string;
  owner: string;
  name: string;
  type: string;
  size: number;
  conversation_id: string | null;
  created_at: number;
}
export function toAttachment(r: AttachmentRow): AttachmentRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    owner: r.owner,
    name: r.name,
    type: r.type as AttachmentType,
    size: Number(r.size),
    conversationId: r.conversation_id,
    createdAt: Number(r.created_at),
  };
}
/** The message's own copy of its file (name, type, size), as stored in `messages.attachment`. */
export function attachmentColumn(m: NewMessage): string | null {
  return m.attachment ? JSON.stringify(m.attachment) : null;
}
export function toNote(r: NoteRow): Note {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    text: r.text,
    author:
      r.author_id === null
        ? { kind: 'agent', name: r.author_name }
        : { kind: 'agent', id: r.author_id, name: r.author_name },
    at: r.at,
    afterSeq: r.after_seq,
  };
}

/** A membership with a patch applied (absent fields keep their value). */
export function patchedMembership(cur: AgentRecord, patch: MembershipPatch): MembershipRecord {
  return {
    agentId: cur.id,
    siteId: cur.siteId,
    role: patch.role ?? cur.role,
    active: patch.active ?? cur.active,
    departments: patch.departments ?? cur.departments,
    maxChats: patch.maxChats === undefined ? cur.maxChats : patch.maxChats,
    createdAt: 0,
  };
}

export interface WebhookRow {
  id: string;
  site_id: string;
  url: string;
  events: string;
  secret: string;
  active: number;
  created_at: number;
}

/** A delivery joined with its event and webhook (DELIVERY_SELECT). */
export interface DeliveryRow {
  id: string;
  event_id: string;
  webhook_id: string;
  state: string;
  attempts: number;
  next_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  type: string;
  site_id: string;
  data: string;
  event_created_at: number;
  url: string;
  secret: string;
}

export const DELIVERY_SELECT = `SELECT d.*, e.type AS type, e.site_id AS site_id, e.data AS data,
  e.created_at AS event_created_at, w.url AS url, w.secret AS secret
  FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id`;

export function toWebhook(r: WebhookRow): WebhookRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    url: r.url,
    events: JSON.parse(r.events) as WebhookEventType[],
    secret: r.secret,
    active: Number(r.active) === 1,
    createdAt: Number(r.created_at),
  };
}

export function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    eventId: r.event_id,
    webhookId: r.webhook_id,
    type: r.type as WebhookEventType,
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    nextAt: Number(r.next_at),
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toDueDelivery(r: DeliveryRow): DueDelivery {
  return {
    ...toDelivery(r),
    url: r.url,
    secret: r.secret,
    siteId: r.site_id,
    data: r.data,
    eventCreatedAt: Number(r.event_created_at),
  };
}

export interface ApiKeyRow {
  id: string;
  site_id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

export function toApiKey(r: ApiKeyRow): ApiKeyRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    name: r.name,
    keyHash: r.key_hash,
    prefix: r.prefix,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

export interface BlockRow {
  visitor_id: string;
  site_id: string;
  blocked_by: string;
  reason: string | null;
  created_at: number;
}

export function toBlock(r: BlockRow): BlockRecord {
  return {
    visitorId: r.visitor_id,
    siteId: r.site_id,
    by: r.blocked_by,
    reason: r.reason,
    createdAt: Number(r.created_at),
  };
}

export interface VisitRow {
  visitor_id: string;
  site_id: string;
  pages: string;
  referrer: string | null;
  user_agent: string | null;
  tz_offset: number | null;
  locale: string | null;
  updated_at: number;
}

export function toVisit(r: VisitRow): VisitRecord {
  return {
    visitorId: r.visitor_id,
    siteId: r.site_id,
    pages: JSON.parse(r.pages) as PageView[],
    referrer: r.referrer,
    userAgent: r.user_agent,
    tzOffset: r.tz_offset === null ? null : Number(r.tz_offset),
    locale: r.locale,
    updatedAt: Number(r.updated_at),
  };
}

/** The parameters both stores bind, in this order. */
export function visitParams(v: VisitRecord): unknown[] {
  return [
    v.visitorId,
    v.siteId,
    JSON.stringify(v.pages),
    v.referrer,
    v.userAgent,
    v.tzOffset,
    v.locale,
    v.updatedAt,
  ];
}

/** `agent_id` is '' for a site-wide response (so UNIQUE (site_id, agent_id, shortcut) holds for both). */
export interface CannedRow {
  id: string;
  site_id: string;
  agent_id: string;
  shortcut: string;
  text: string;
  created_at: number;
  updated_at: number;
}

export function toCanned(r: CannedRow): CannedRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    agentId: r.agent_id === '' ? null : r.agent_id,
    shortcut: r.shortcut,
    text: r.text,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function cannedRow(c: CannedRecord): CannedRow {
  return {
    id: c.id,
    site_id: c.siteId,
    agent_id: c.agentId ?? '',
    shortcut: c.shortcut,
    text: c.text,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export interface ProactiveRow {
  id: string;
  site_id: string;
  rule: string;
  created_at: number | string;
}

export const toProactive = (r: ProactiveRow): ProactiveRecord => ({
  id: r.id,
  siteId: r.site_id,
  rule: JSON.parse(r.rule) as ProactiveRule,
  createdAt: Number(r.created_at),
});

/** The same shortcut twice for one owner: SQLite's and PostgreSQL's unique-violation errors. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

export interface RatingRow {
  id: string;
  conversation_id: string;
  site_id: string;
  agent_id: string | null;
  score: number;
  comment: string | null;
  cid: string;
  closed_at: number;
  created_at: number;
}

export function toRating(r: RatingRow): RatingRecord {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    siteId: r.site_id,
    agentId: r.agent_id,
    score: Number(r.score),
    comment: r.comment,
    cid: r.cid,
    closedAt: Number(r.closed_at),
    createdAt: Number(r.created_at),
  };
}

/** A rating's row, for both stores' INSERT (named parameters in SQLite, positional in PostgreSQL). */
export function ratingRow(r: RatingRecord): RatingRow {
  return {
    id: r.id,
    conversation_id: r.conversationId,
    site_id: r.siteId,
    agent_id: r.agentId,
    score: r.score,
    comment: r.comment,
    cid: r.cid,
    closed_at: r.closedAt,
    created_at: r.createdAt,
  };
}

/**
 * The one query of `listConversations`, for both stores (their placeholders differ, and
 * PostgreSQL compares ids in byte order as SQLite does).
 */
export function conversationListQuery(
  siteId: string,
  filter: ConversationFilter,
  before: { createdAt: number; id: string } | null,
  limit: number,
  placeholder: () => string,
  bytewise = '',
): { sql: string; values: unknown[] } {
  const where = [`site_id = ${placeholder()}`];
  const values: unknown[] = [siteId];
  const eq = (column: string, value: unknown) => {
    where.push(`${column} = ${placeholder()}`);
    values.push(value);
  };
  if (filter.status !== undefined) eq('status', filter.status);
  if (filter.agentId !== undefined) eq('agent_id', filter.agentId);
  if (filter.visitorId !== undefined) eq('visitor_id', filter.visitorId);
  if (filter.department === null) where.push('department IS NULL');
  else if (filter.department !== undefined) eq('department', filter.department);
  if (before) {
    const a = placeholder();
    const b = placeholder();
    const c = placeholder();
    where.push(`(created_at < ${a} OR (created_at = ${b} AND id${bytewise} < ${c}))`);
    values.push(before.createdAt, before.createdAt, before.id);
  }
  const l = placeholder();
  values.push(limit);
  return {
    sql: `SELECT * FROM conversations WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id${bytewise} DESC LIMIT ${l}`,
    values,
  };
}

/** What storing a rating does, decided from the rows read in its transaction (both stores). */
export function planRating(
  conv: ConversationRecord | null,
  visitorId: string,
  existing: RatingRecord | null,
  cid: string,
): 'not_found' | 'not_closed' | 'already_rated' | 'duplicate' | 'insert' {
  if (!conv || conv.visitorId !== visitorId) return 'not_found';
  if (existing) return existing.cid === cid ? 'duplicate' : 'already_rated';
  if (conv.status !== 'closed' || conv.closedAt === null) return 'not_closed';
  return 'insert';
}

/**
 * The two queries of `siteReport`, for both stores (`$n` placeholders; SQLite accepts them as
 * numbered parameters too). Averages are of conversations created in the range; ratings are
 * those given in it.
 */
export function reportQueries(f: ReportFilter): {
  figures: { sql: string; params: unknown[] };
  ratings: { sql: string; params: unknown[] };
} {
  const params: unknown[] = [f.siteId, f.from, f.to];
  let where = 'c.site_id = $1 AND c.created_at >= $2 AND c.created_at < $3';
  if (f.agentId !== null) {
    params.push(f.agentId);
    where += ` AND c.agent_id = $${params.length}`;
  }
  if (f.department !== null) {
    params.push(f.department);
    where += ` AND c.department = $${params.length}`;
  }
  const figures = `
    SELECT COUNT(*) AS conversations,
      COALESCE(SUM(CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END), 0) AS closed,
      AVG((SELECT MIN(m.at) FROM messages m
           WHERE m.conversation_id = c.id AND m.author_kind = 'agent' AND m.author_id IS NOT NULL)
          - c.created_at) AS first_response,
      AVG((SELECT MIN(m.at) FROM messages m
           WHERE m.conversation_id = c.id AND m.author_kind = 'system' AND m.event LIKE '{"kind":"joined"%')
          - c.created_at) AS wait,
      AVG(CASE WHEN c.status = 'closed' THEN c.closed_at - c.created_at END) AS handle
    FROM conversations c WHERE ${where}`;
  const rParams: unknown[] = [f.siteId, f.from, f.to];
  let rWhere = 'r.site_id = $1 AND r.created_at >= $2 AND r.created_at < $3';
  if (f.agentId !== null) {
    rParams.push(f.agentId);
    rWhere += ` AND r.agent_id = $${rParams.length}`;
  }
  if (f.department !== null) {
    rParams.push(f.department);
    rWhere += ` AND c.department = $${rParams.length}`;
  }
  const ratings = `
    SELECT r.score AS score, COUNT(*) AS n FROM ratings r JOIN conversations c ON c.id = r.conversation_id
    WHERE ${rWhere} GROUP BY r.score`;
  return { figures: { sql: figures, params }, ratings: { sql: ratings, params: rParams } };
}

/** Rows of `reportQueries` → figures (PostgreSQL returns COUNT and AVG as strings). */
export function toReportFigures(
  row: { conversations: unknown; closed: unknown; first_response: unknown; wait: unknown; handle: unknown },
  ratings: { score: unknown; n: unknown }[],
): ReportFigures {
  const avg = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
  const dist: ReportFigures['ratings'] = [0, 0, 0, 0, 0];
  for (const r of ratings) {
    const score = Number(r.score);
    if (score >= 1 && score <= 5) dist[score - 1] = Number(r.n);
  }
  return {
    conversations: Number(row.conversations),
    closed: Number(row.closed),
    firstResponseMs: avg(row.first_response),
    waitMs: avg(row.wait),
    handleMs: avg(row.handle),
    ratings: dist,
  };
}

export interface AuditRow {
  id: string;
  site_id: string;
  actor_id: string;
  actor_name: string;
  action: string;
  target: string | null;
  details: string;
  at: number;
}

/** Both stores bind these, in this order. */
export function auditParams(e: AuditRecord): unknown[] {
  return [e.id, e.siteId, e.actorId, e.actorName, e.action, e.target, JSON.stringify(e.details), e.at];
}

export function toAudit(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details) as Record<string, unknown>,
    at: Number(r.at),
  };
}

export interface RefreshSessionRow {
  id: string;
  account_id: string;
  site_id: string;
  token_hash: string;
  previous_hash: string | null;
  rotated_at: number | null;
  token_version: number;
  role: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** Both stores bind these, in this order. */
export function refreshSessionParams(r: RefreshSessionRecord): unknown[] {
  return [
    r.id,
    r.accountId,
    r.siteId,
    r.tokenHash,
    r.previousHash,
    r.rotatedAt,
    r.tokenVersion,
    r.role,
    r.createdAt,
    r.expiresAt,
    r.revokedAt,
  ];
}

const numOrNull = (v: number | null): number | null => (v === null ? null : Number(v));

export function toRefreshSession(r: RefreshSessionRow): RefreshSessionRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    siteId: r.site_id,
    tokenHash: r.token_hash,
    previousHash: r.previous_hash,
    rotatedAt: numOrNull(r.rotated_at),
    tokenVersion: Number(r.token_version),
    role: r.role as AgentRole,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}
