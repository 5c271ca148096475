/** Protocol version carried in `hello.v` and `welcome.v`. */
export const PROTOCOL_VERSION = 1;

/** Defaults; the server's are configurable (see README). */
export const Limits = {
  /** Frames above this get SB_ERR_TOO_LARGE and are dropped; the socket stays open. */
  maxPayloadBytes: 64 * 1024,
  /** Frames above this close the socket with 1009 (ws library hard limit). */
  hardMaxPayloadBytes: 1024 * 1024,
  /** Maximum message length in characters (Unicode code points). */
  maxTextChars: 4000,
  /** Per-socket token bucket for message-like frames. */
  rateBurst: 30,
  rateRefillPerSecond: 1,
  /** Invalid frames tolerated per window before closing with ProtocolAbuse. */
  maxInvalidFrames: 10,
  invalidWindowMs: 10_000,
  /** A `history` page holds at most this many messages… */
  historyPageMessages: 50,
  /** …and at most this many bytes of JSON (always at least one message). */
  historyPageBytes: 128 * 1024,
  /** Server pings every socket this often; a socket that missed the previous pong is terminated. */
  heartbeatIntervalMs: 25_000,
  /** A client that has heard nothing for this long treats the socket as dead. */
  clientDeadAfterMs: 60_000,
  /** Reconnect backoff: full jitter, base and cap. */
  reconnectBaseMs: 500,
  reconnectCapMs: 30_000,
} as const;

/**
 * Visit context (the console's context panel): the widget cuts a page's url and title and
 * the referrer to `maxText` before they go into `hello` and `page`, so a long URL or title
 * never gets a frame refused; the server keeps the newest `maxPages` of a visit, and a
 * `hello` more than `idleMs` after the visit's last page starts a new one.
 */
export const Visit = {
  maxPages: 10,
  /** Characters of a url, a title or the referrer. */
  maxText: 1000,
  idleMs: 30 * 60_000,
} as const;

/** Length of a text in Unicode code points (what "characters" means in limits). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Full-jitter exponential backoff: a random delay in [0, min(cap, base·2^attempt)). */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  baseMs: number = Limits.reconnectBaseMs,
  capMs: number = Limits.reconnectCapMs,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.floor(random() * ceiling);
}

/**
 * What a visitor's email must look like: one `@`, a dot in the domain, and none of the
 * characters that would change a `mailto:` link or a mail header (`?`, `&`, `,`, `;`, `%`,
 * quotes, brackets, whitespace, controls). Empty is allowed where a field can be cleared.
 */
export const EMAIL_PATTERN =
  '^[^\\s@?&,;:%<>()\\[\\]\\\\"\'/\\x00-\\x1f]+@[^\\s@?&,;:%<>()\\[\\]\\\\"\'/\\x00-\\x1f]+\\.[^\\s@?&,;:%<>()\\[\\]\\\\"\'/\\x00-\\x1f]+$';

export function isValidEmail(email: string): boolean {
  return email.length <= 320 && new RegExp(EMAIL_PATTERN).test(email);
}
