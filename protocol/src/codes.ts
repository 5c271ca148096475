/**
 * Close codes and error codes: defined once here, used by server, widget and console.
 * Documented in docs/protocol.md.
 */

/** WebSocket close codes (4000–4999 are application codes). */
export const CloseCode = {
  /** Sent by browsers and proxies (page unload, proxy restart); the server uses `Restarting`. Reconnect and resume. */
  GoingAway: 1001,
  /** Frame larger than the hard limit (set by the ws library). */
  TooBig: 1009,
  /** Unexpected failure (proxies; the server answers failures with SB_ERR_INTERNAL). Reconnect and resume. */
  InternalError: 1011,
  /** Too many invalid frames in a short window. Reconnecting is allowed. */
  ProtocolAbuse: 4400,
  /** Missing, invalid or expired token. Get a new token before reconnecting. */
  Unauthorized: 4401,
  /** Origin not allowed for this site, or the agent/visitor no longer exists. Do not reconnect. */
  Forbidden: 4403,
  /** `hello` carried an unsupported protocol version. */
  BadHello: 4406,
  /** No `hello` within the hello deadline (default 10 s) after the upgrade. Reconnect and say hello. */
  HelloTimeout: 4407,
  /**
   * A client closing a socket it considers dead (no traffic within its window). The server
   * terminates dead sockets without a close frame (the client sees 1006). Reconnect and resume.
   */
  HeartbeatTimeout: 4408,
  /** The socket could not keep up (send buffer over the limit). Reconnect and resume. */
  SlowConsumer: 4413,
  /**
   * Too many sockets for this visitor, agent or address (the reason says which). Reconnect
   * with backoff: it succeeds once another of the same sockets has closed.
   */
  TooManySockets: 4429,
  /** The server is restarting (graceful shutdown). Reconnect and resume. */
  Restarting: 4503,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which a client must NOT reconnect automatically. */
export const FATAL_CLOSE_CODES: readonly number[] = [CloseCode.Forbidden];

export const ErrorCode = {
  /** Frame is not valid JSON. */
  BadJson: 'SB_ERR_BAD_JSON',
  /** Frame has no known `type`. */
  UnknownType: 'SB_ERR_UNKNOWN_TYPE',
  /** Frame fails its schema (missing or wrong field). */
  BadFrame: 'SB_ERR_BAD_FRAME',
  /** Frame or request body larger than the configured limit. */
  TooLarge: 'SB_ERR_TOO_LARGE',
  /** Message text empty after trimming and removing invisible characters (zero-width, format). */
  TextEmpty: 'SB_ERR_TEXT_EMPTY',
  /** Message text is not well-formed Unicode (a lone UTF-16 surrogate): refused, never altered. */
  TextMalformed: 'SB_ERR_TEXT_MALFORMED',
  /** Message text over the character limit. */
  TextTooLong: 'SB_ERR_TEXT_TOO_LONG',
  /** Token bucket exhausted: slow down; the frame was not processed. */
  RateLimited: 'SB_ERR_RATE_LIMITED',
  /** A frame before `hello`, or a second `hello`. */
  NotReady: 'SB_ERR_NOT_READY',
  /** No such conversation / agent / site visible to this client. */
  NotFound: 'SB_ERR_NOT_FOUND',
  /** Another agent already claimed this conversation. */
  AlreadyClaimed: 'SB_ERR_ALREADY_CLAIMED',
  /** The action is not allowed in the conversation's current state. */
  Conflict: 'SB_ERR_CONFLICT',
  /** Authenticated, but not allowed to do this. */
  Forbidden: 'SB_ERR_FORBIDDEN',
  /** Missing or invalid token. */
  Unauthorized: 'SB_ERR_UNAUTHORIZED',
  /** Wrong email or password. */
  BadCredentials: 'SB_ERR_BAD_CREDENTIALS',
  /** No site with this id. */
  UnknownSite: 'SB_ERR_UNKNOWN_SITE',
  /** The request's Origin is not allowed for the site. */
  OriginNotAllowed: 'SB_ERR_ORIGIN_NOT_ALLOWED',
  /** Request body or query fails validation. */
  Validation: 'SB_ERR_VALIDATION',
  /** An upload that is not one of the allowed file types by its content, or is cut short. */
  FileType: 'SB_ERR_FILE_TYPE',
  /** Unexpected server failure; nothing was committed. Safe to retry with the same cid. */
  Internal: 'SB_ERR_INTERNAL',
  /** The server is shutting down; retry after reconnecting. */
  Unavailable: 'SB_ERR_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
