import { useStore } from '@nanostores/preact';
import { charCount, Limits } from '@switchboard/protocol';
import { useRef, useState } from 'preact/hooks';
import { reportTyping, writeMessage } from '../client/client.js';
import { $drafts, setDraft } from '../stores/drafts.js';

type Mode = 'send' | 'note';

/** Reply to the visitor (Enter sends, Shift+Enter adds a line) or write an internal note. */
export function Composer({ conversationId }: { conversationId: string }) {
  const [mode, setMode] = useState<Mode>('send');
  const text = useStore($drafts, { keys: [conversationId] })[conversationId] ?? '';
  const setText = (value: string) => setDraft(conversationId, value);
  const input = useRef<HTMLTextAreaElement>(null);
  const length = charCount(text);
  const tooLong = length > Limits.maxTextChars;
  const canSend = text.trim().length > 0 && !tooLong;

  function submit() {
    if (!canSend) return;
    writeMessage(conversationId, mode, text.trim());
    setText('');
    input.current?.focus();
  }

  function switchMode(next: Mode) {
    setMode(next);
    input.current?.focus();
  }

  return (
    <form
      class={`composer composer-${mode}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <fieldset class="composer-tabs" aria-label="Write">
        <button
          type="button"
          class={`tab ${mode === 'send' ? 'is-on' : ''}`}
          aria-pressed={mode === 'send'}
          onClick={() => switchMode('send')}
        >
          To visitor
        </button>
        <button
          type="button"
          class={`tab ${mode === 'note' ? 'is-on' : ''}`}
          aria-pressed={mode === 'note'}
          onClick={() => switchMode('note')}
        >
          Internal note
        </button>
      </fieldset>
      <textarea
        ref={input}
        aria-label={mode === 'send' ? 'Reply' : 'Internal note text'}
        placeholder={
          mode === 'send'
            ? 'Write a reply…  (Enter to send, Shift+Enter for a new line)'
            : 'Only agents see internal notes…'
        }
        rows={3}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (mode === 'send') reportTyping(conversationId);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <div class="composer-bar">
        <span class={`composer-count ${tooLong ? 'is-over' : ''}`}>
          {length > Limits.maxTextChars - 500 ? `${length} / ${Limits.maxTextChars}` : ''}
        </span>
        <button
          type="submit"
          class={`btn ${mode === 'send' ? 'btn-primary' : 'btn-note'}`}
          disabled={!canSend}
        >
          {mode === 'send' ? 'Send' : 'Add note'}
        </button>
      </div>
    </form>
  );
}
