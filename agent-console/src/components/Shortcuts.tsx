import { useStore } from '@nanostores/preact';
import { useEffect, useRef } from 'preact/hooks';
import { claim, closeConversation, openConversation } from '../client/client.js';
import { trapTab, useModal } from '../lib/modal.js';
import { isTyping, neighbour, SHORTCUTS, type ShortcutAction, shortcutOf } from '../lib/shortcuts.js';
import { $activeId } from '../stores/active.js';
import { $conversations } from '../stores/conversations.js';
import { $history, closeHistory } from '../stores/history.js';
import { $mine, $queue, $teamConversations } from '../stores/lists.js';
import { $route } from '../stores/route.js';
import { $session } from '../stores/session.js';
import { $helpOpen, $shortcutsOn, $transferFor } from '../stores/shortcuts.js';

/** What a shortcut does, on the conversation open now. */
function run(action: ShortcutAction): void {
  const route = $route.get();
  const inbox = !['profile', 'reports'].includes(route) && !route.startsWith('settings/');
  if (action === 'help') {
    $helpOpen.set(true);
    return;
  }
  if (!inbox) return; // the other pages have no open conversation
  const id = $activeId.get();
  const c = id ? $conversations.get()[id] : undefined;
  const me = $session.get()?.agent;
  const canAct = c?.status === 'assigned' && (c.agent?.id === me?.id || me?.role === 'admin');
  switch (action) {
    case 'next':
    case 'previous': {
      const ids = [...$queue.get(), ...$mine.get(), ...$teamConversations.get()].map((x) => x.id);
      const next = neighbour(ids, id, action === 'next' ? 1 : -1);
      if (!next) return;
      if ($history.get()) closeHistory();
      openConversation(next);
      return;
    }
    case 'reply':
      document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus();
      return;
    case 'claim':
      if (c?.status === 'queued') claim(c.id);
      return;
    case 'close':
      if (c && canAct) closeConversation(c.id);
      return;
    case 'transfer':
      if (c && canAct) $transferFor.set(c.id);
  }
}

/** Listens for the console's shortcuts while signed in, and shows the `?` overlay. */
export function Shortcuts() {
  const open = useStore($helpOpen);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const focus = document.activeElement;
      const inDialog = !!document.querySelector('dialog[open]');
      // Escape in a text field hands the keys back to the shortcuts (the draft stays).
      if (e.key === 'Escape' && !inDialog && isTyping(focus) && focus instanceof HTMLElement) {
        focus.blur();
        return;
      }
      const action = shortcutOf(
        {
          key: e.key,
          altKey: e.altKey,
          ctrlKey: e.ctrlKey,
          metaKey: e.metaKey,
          typing: isTyping(focus),
          inDialog,
          repeat: e.repeat,
        },
        $shortcutsOn.get(),
      );
      if (!action) return;
      e.preventDefault();
      run(action);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return open ? <ShortcutsHelp onClose={() => $helpOpen.set(false)} /> : null;
}

function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const on = useStore($shortcutsOn);
  const dialog = useRef<HTMLDialogElement>(null);
  useModal(dialog);
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="shortcuts-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (dialog.current) trapTab(e, dialog.current);
      }}
      onClick={(e) => {
        if (e.target === dialog.current) onClose();
      }}
    >
      <div class="dialog-body">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <p class="dialog-hint">They work when the cursor is not in a text box; Esc leaves the reply box.</p>
        <dl class="shortcut-list">
          {SHORTCUTS.map((s) => (
            <div key={s.action} class="shortcut-row">
              <dt>
                {s.keys.map((k) => (
                  <kbd key={k}>{k}</kbd>
                ))}
              </dt>
              <dd>{s.label}</dd>
            </div>
          ))}
        </dl>
        <label class="check">
          <input type="checkbox" checked={on} onChange={(e) => $shortcutsOn.set(e.currentTarget.checked)} />
          Single-key shortcuts
        </label>
        <div class="dialog-actions">
          <button type="button" class="btn btn-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    </dialog>
  );
}
