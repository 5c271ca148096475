/**
 * Inbound frame parsing: size → JSON → type → schema (TypeBox compiled checkers, built once).
 * Returns the typed frame or a refusal naming the error code, the field, and the frame's
 * `cid` when it had one.
 */

import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { AgentClientFrame, VisitorClientFrame } from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import { AgentFrameSchemas, VisitorFrameSchemas } from '@switchboard/protocol/schemas';
import { wellFormed } from '../routing/text.js';

export type Role = 'visitor' | 'agent';

export interface FrameRefusal {
  ok: false;
  code: ErrorCode;
  message: string;
  cid?: string;
}

export type ParseResult<F> = { ok: true; frame: F } | FrameRefusal;

function compileAll(schemas: Record<string, TSchema>): Map<string, TypeCheck<TSchema>> {
  const m = new Map<string, TypeCheck<TSchema>>();
  for (const [type, schema] of Object.entries(schemas)) m.set(type, TypeCompiler.Compile(schema));
  return m;
}

const CHECKERS: Record<Role, Map<string, TypeCheck<TSchema>>> = {
  visitor: compileAll(VisitorFrameSchemas),
  agent: compileAll(AgentFrameSchemas),
};

function cidOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const cid = (value as { cid?: unknown }).cid;
  return typeof cid === 'string' && cid.length > 0 && cid.length <= 64 ? cid : undefined;
}

function refuse(code: ErrorCode, message: string, cid?: string): FrameRefusal {
  return cid === undefined ? { ok: false, code, message } : { ok: false, code, message, cid };
}

/** `/cursors/abc` → `cursors.abc` */
function fieldName(path: string): string {
  return path.replace(/^\//, '').replaceAll('/', '.') || '(frame)';
}

const CID_FIELD = /"cid"\s*:\s*"([^"\\]{1,64})"/;
const CID_WINDOW = 256;

/** A `"cid":"…"` in the first or last few hundred characters of a frame not worth parsing. */
export function cidNearEnds(text: string): string | undefined {
  const m = CID_FIELD.exec(text.slice(0, CID_WINDOW)) ?? CID_FIELD.exec(text.slice(-CID_WINDOW));
  return m?.[1];
}

export function parseFrame(
  role: 'visitor',
  text: string,
  maxBytes: number,
  bytes: number,
): ParseResult<VisitorClientFrame>;
export function parseFrame(
  role: 'agent',
  text: string,
  maxBytes: number,
  bytes: number,
): ParseResult<AgentClientFrame>;
export function parseFrame(
  role: Role,
  text: string,
  maxBytes: number,
  bytes: number,
): ParseResult<VisitorClientFrame | AgentClientFrame> {
  // The size is checked BEFORE parsing: an oversized frame is never parsed (up to the 1 MiB
  // hard limit that would be a JSON.parse per frame for nothing). Its cid, when one sits near
  // either end of the text, is still echoed so the sender knows which message was refused.
  if (bytes > maxBytes) {
    return refuse(ErrorCode.TooLarge, `Frame is ${bytes} bytes; the limit is ${maxBytes}`, cidNearEnds(text));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse(ErrorCode.BadJson, 'Frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse(ErrorCode.UnknownType, 'Frame must be a JSON object with a "type"');
  }
  const cid = cidOf(value);
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return refuse(ErrorCode.UnknownType, 'Frame has no "type"', cid);
  const checker = CHECKERS[role].get(type);
  if (!checker)
    return refuse(ErrorCode.UnknownType, `Unknown frame type "${type.slice(0, 40)}" for ${role}s`, cid);
  if (!checker.Check(value)) {
    // The visit context is best effort: a `hello` whose `ctx` does not match (storage a page
    // script scribbled on, an older widget) goes on without it rather than leave the chat shut.
    if (type === 'hello' && 'ctx' in value) {
      const { ctx: _dropped, ...bare } = value as Record<string, unknown>;
      if (checker.Check(bare)) return { ok: true, frame: bare as VisitorClientFrame | AgentClientFrame };
    }
    const first = checker.Errors(value).First();
    const detail = first ? `${fieldName(first.path)}: ${first.message}` : 'does not match its schema';
    return refuse(ErrorCode.BadFrame, `Invalid ${type} frame, field ${detail}`, cid);
  }
  if (cid !== undefined && !wellFormed(cid)) {
    return refuse(ErrorCode.BadFrame, `Invalid ${type} frame, field cid: not well-formed Unicode`, cid);
  }
  return { ok: true, frame: value as VisitorClientFrame | AgentClientFrame };
}
