/**
 * Rows as both stores return them (snake_case columns, JSON as TEXT, timestamps as epoch
 * milliseconds, booleans as 0/1) and their mapping to records: one schema shape, so SQLite
 * and PostgreSQL share these and differ only in their SQL.
 */
import type {
  AgentRole,
  AuthorKind,
  BusinessHours,
  ConversationStatus,
  Message,
  Note,
  SystemEvent,
} from '@switchboard/protocol';
import type { AgentRecord, ConversationRecord, SiteRecord, VisitorRecord } from './types.js';

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
  created_at: number;
}
export interface AgentRow {
  id: string;
  site_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  created_at: number;
}
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
    createdAt: r.created_at,
  };
}
export function toAgent(r: AgentRow): AgentRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    email: r.email,
    name: r.name,
    role: r.role as AgentRole,
    passwordHash: r.password_hash,
    createdAt: r.created_at,
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
  return m;
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
