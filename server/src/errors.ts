/**
 * The one place that creates coded errors. Handlers throw `SbError`; the HTTP error
 * handler turns it into `{code, message, statusCode}` and the WebSocket layer into an
 * `error` frame (echoing the frame's `cid`).
 */
import { ErrorCode } from '@switchboard/protocol';

const HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BadJson]: 400,
  [ErrorCode.UnknownType]: 400,
  [ErrorCode.BadFrame]: 400,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.TextEmpty]: 400,
  [ErrorCode.TextMalformed]: 400,
  [ErrorCode.TextTooLong]: 400,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.NotReady]: 409,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.AlreadyClaimed]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.BadCredentials]: 401,
  [ErrorCode.UnknownSite]: 404,
  [ErrorCode.OriginNotAllowed]: 403,
  [ErrorCode.Validation]: 400,
  [ErrorCode.FileType]: 415,
  [ErrorCode.Internal]: 500,
  [ErrorCode.Unavailable]: 503,
};

const DEFAULT_MESSAGE: Record<ErrorCode, string> = {
  [ErrorCode.BadJson]: 'Frame is not valid JSON',
  [ErrorCode.UnknownType]: 'Unknown or missing frame type',
  [ErrorCode.BadFrame]: 'Frame does not match its schema',
  [ErrorCode.TooLarge]: 'Too large',
  [ErrorCode.TextEmpty]: 'Message text is empty',
  [ErrorCode.TextMalformed]: 'Message text is not well-formed Unicode',
  [ErrorCode.TextTooLong]: 'Message text is too long',
  [ErrorCode.RateLimited]: 'Too many requests; slow down and retry later',
  [ErrorCode.NotReady]: 'Send hello first',
  [ErrorCode.NotFound]: 'Not found',
  [ErrorCode.AlreadyClaimed]: 'Another agent already claimed this conversation',
  [ErrorCode.Conflict]: "Not allowed in the conversation's current state",
  [ErrorCode.Forbidden]: 'Not allowed',
  [ErrorCode.Unauthorized]: 'Missing or invalid token',
  [ErrorCode.BadCredentials]: 'Wrong email or password',
  [ErrorCode.UnknownSite]: 'No such site',
  [ErrorCode.OriginNotAllowed]: 'Origin not allowed for this site',
  [ErrorCode.Validation]: 'Invalid request',
  [ErrorCode.FileType]: 'Only images (PNG, JPEG, GIF, WebP) and PDF files can be attached',
  [ErrorCode.Internal]: 'Internal error; nothing was committed, retry with the same cid',
  [ErrorCode.Unavailable]: 'Server is shutting down; retry after reconnecting',
};

export class SbError extends Error {
  override readonly name = 'SbError';
  readonly httpStatus: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    httpStatus?: number,
  ) {
    super(message ?? DEFAULT_MESSAGE[code]);
    this.httpStatus = httpStatus ?? HTTP_STATUS[code];
  }
}

/** `sbError(ErrorCode.NotFound, 'No such conversation')` — shorthand used everywhere. */
export function sbError(code: ErrorCode, message?: string): SbError {
  return new SbError(code, message);
}

export function isSbError(err: unknown): err is SbError {
  return err instanceof SbError;
}

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}
