import type { ClaimFrame, CloseFrame, TransferFrame } from '@switchboard/protocol';
import { atom } from 'nanostores';

/** A claim / transfer / close sent with a `cid` and not yet acked or refused. */
export interface PendingCommand {
  cid: string;
  kind: 'claim' | 'transfer' | 'close';
  conversationId: string;
  /** The frame as sent, resent unchanged (same cid) after a reconnect. */
  frame: ClaimFrame | TransferFrame | CloseFrame;
  /** For the success toast of a transfer: "Transferred to Ben Okafor". */
  label?: string;
}

export const $pendingCommands = atom<readonly PendingCommand[]>([]);

export function addPending(command: PendingCommand): void {
  $pendingCommands.set([...$pendingCommands.get(), command]);
}

/** Remove and return the command with this cid, if it is one of ours. */
export function takePending(cid: string): PendingCommand | null {
  const found = $pendingCommands.get().find((c) => c.cid === cid) ?? null;
  if (found) $pendingCommands.set($pendingCommands.get().filter((c) => c.cid !== cid));
  return found;
}

/** Is a command of this kind waiting for an answer on this conversation (disables its button)? */
export function isPending(
  commands: readonly PendingCommand[],
  conversationId: string,
  kind: PendingCommand['kind'],
): boolean {
  return commands.some((c) => c.conversationId === conversationId && c.kind === kind);
}
