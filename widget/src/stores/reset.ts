import { $connection } from './connection';
import { $conversation } from './conversation';
import { $messages } from './messages';
import { $open } from './open';
import { $outbox } from './outbox';
import { $proactive } from './proactive';
import { $agentsOnline, $site } from './site';
import { setTyping } from './typing';

/** Back to a fresh page: used by boot/shutdown (a later boot starts clean) and by tests. */
export function resetStores(): void {
  $open.set(false);
  $connection.set('idle');
  $conversation.set(null);
  $messages.set([]);
  $outbox.set([]);
  $site.set(null);
  $agentsOnline.set(false);
  setTyping(null);
  $proactive.set(null);
}
