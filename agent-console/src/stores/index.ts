import { $activeId } from './active.js';
import { resetAdmin } from './admin.js';
import { $agents } from './agents.js';
import { $pendingCommands } from './commands.js';
import { $connection, initialConnection } from './connection.js';
import { $context, $visitNow } from './context.js';
import { $conversations } from './conversations.js';
import { $departments, $myDepartments } from './departments.js';
import { $drafts } from './drafts.js';
import { $messages, forgetLoaded } from './messages.js';
import { $notes } from './notes.js';
import { $outbox } from './outbox.js';
import { $readSeq } from './reads.js';
import { $toasts } from './toasts.js';
import { $visitorTyping } from './typing.js';
import { $visitorOnline } from './visitors.js';

/** Forget everything about the last session (sign-out, and between tests). */
export function resetStores(): void {
  $activeId.set(null);
  resetAdmin();
  $agents.set({});
  $pendingCommands.set([]);
  $connection.set(initialConnection);
  $context.set(null);
  $visitNow.set({});
  $conversations.set({});
  $departments.set([]);
  $myDepartments.set([]);
  $drafts.set({});
  $messages.set({});
  forgetLoaded();
  $notes.set({});
  $outbox.set([]);
  $readSeq.set({});
  $toasts.set([]);
  $visitorTyping.set({});
  $visitorOnline.set({});
}
