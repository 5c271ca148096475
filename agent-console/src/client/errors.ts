import { ErrorCode } from '@switchboard/protocol';

/** Refusals worth retrying with the same cid after a pause or a reconnect. */
const TRANSIENT: readonly string[] = [
  ErrorCode.RateLimited,
  ErrorCode.Internal,
  ErrorCode.Unavailable,
  ErrorCode.NotReady,
];

export function isTransient(code: string): boolean {
  return TRANSIENT.includes(code);
}

/** What the agent reads when the server refuses something. */
export function describeError(code: string, fallback: string): string {
  switch (code) {
    case ErrorCode.AlreadyClaimed:
      return 'Another agent already claimed this conversation.';
    case ErrorCode.TextEmpty:
      return 'The message is empty.';
    case ErrorCode.TextMalformed:
      return 'The message contains characters that cannot be sent (broken Unicode).';
    case ErrorCode.TextTooLong:
      return 'Too long: a message can have at most 4,000 characters.';
    case ErrorCode.RateLimited:
      return 'Sending too fast — retrying shortly.';
    case ErrorCode.Forbidden:
      return 'You are not allowed to do that in this conversation.';
    case ErrorCode.Conflict:
      return 'Not possible in the conversation’s current state (it may be closed or reassigned).';
    case ErrorCode.NotFound:
      return 'That conversation or agent no longer exists.';
    case ErrorCode.BadCredentials:
      return 'Wrong email or password';
    default:
      return fallback || `The server refused the request (${code}).`;
  }
}
