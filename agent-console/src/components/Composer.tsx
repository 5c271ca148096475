import { useStore } from '@nanostores/preact';
import { charCount, Limits } from '@switchboard/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { reportTyping, writeMessage } from '../client/client.js';
import { cannedQuery, expandCanned, matchCanned } from '../lib/canned.js';
import { $me } from '../stores/agents.js';
import { $canned, loadCanned } from '../stores/canned.js';
import { $conversations } from '../stores/conversations.js';
import { $drafts, setDraft } from '../stores/drafts.js';
import { $uploads, ACCEPT, attachFiles, removeUpload, retryUpload } from '../stores/uploads.js';

type Mode = 'send' | 'note';

/** Reply to the visitor (Enter sends, Shift+Enter adds a line) or write an internal note. */
export function Composer({ conversationId }: { conversationId: string }) {
  const [mode, setMode] = useState<Mode>('send');
  const text = useStore($drafts, { keys: [conversationId] })[conversationId] ?? '';
  const setText = (value: string) => setDraft(conversationId, value);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const uploads = useStore($uploads).filter((u) => u.conversationId === conversationId);
  const [dragging, setDragging] = useState(false);
  /** Files dropped, pasted or picked go to the visitor (replies only: notes carry no files). */
  function take(files: FileList | null | undefined): boolean {
    if (!files?.length) return false;
    if (mode === 'note') setMode('send');
    attachFiles(conversationId, [...files]);
    return true;
  }
  const length = charCount(text);
  const tooLong = length > Limits.maxTextChars;
  const canSend = text.trim().length > 0 && !tooLong;

  // Canned responses: `/` at the start of an otherwise empty draft opens the list.
  const canned = useStore($canned);
  const me = useStore($me);
  const visitor = useStore($conversations, { keys: [conversationId] })[conversationId]?.visitor;
  const query = cannedQuery(text);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const listOpen = query !== null && dismissed !== text;
  const matches = listOpen && canned ? matchCanned(canned, query) : [];
  const chosen = matches[Math.min(active, matches.length - 1)];
  useEffect(() => {
    if (listOpen || !$canned.get()) void loadCanned(); // fetched ahead, and fresh on every "/"
  }, [listOpen]);
  useEffect(() => setActive(0), [query]);

  function insert(text: string) {
    setText(
      expandCanned(text, {
        visitorName: visitor?.name,
        visitorEmail: visitor?.email,
        agentName: me?.name ?? '',
      }),
    );
    const el = input.current;
    el?.focus();
    // After the new value renders: the cursor at its end, ready to edit or send.
    requestAnimationFrame(() => el?.setSelectionRange(el.value.length, el.value.length));
  }

  /** Keys of the open list; true when the key was its own. */
  function listKey(e: KeyboardEvent): boolean {
    if (!listOpen) return false;
    if (e.key === 'Escape') {
      setDismissed(text);
      return true;
    }
    const accept = (e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab';
    if (accept && !canned) {
      // `/hi` + Tab typed faster than the list arrived: insert once it is here, if the draft
      // is still the same.
      const typed = text;
      void loadCanned().then(() => {
        const first = matchCanned($canned.get() ?? [], query ?? '')[0];
        if (first && input.current?.value === typed) insert(first.text);
      });
      return true;
    }
    if (!matches.length) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((matches.length + Math.min(active, matches.length - 1) + step) % matches.length);
      return true;
    }
    if (accept) {
      if (chosen) insert(chosen.text);
      return true;
    }
    return false;
  }

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
    <div class="composer-wrap">
      {listOpen && canned && (
        <div class="canned-pop">
          {matches.length ? (
            <div
              class="canned-list"
              id={`canned-${conversationId}`}
              role="listbox"
              aria-label="Canned responses"
            >
              {matches.map((c) => (
                <div
                  key={c.id}
                  id={`canned-${conversationId}-${c.id}`}
                  role="option"
                  tabIndex={-1}
                  aria-selected={c === chosen}
                  class={`canned-item${c === chosen ? ' is-active' : ''}`}
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => insert(c.text)}
                >
                  <span class="canned-shortcut">/{c.shortcut}</span>
                  <span class="canned-text">{c.text}</span>
                  {c.agentId && <span class="canned-own">Yours</span>}
                </div>
              ))}
            </div>
          ) : (
            <p class="canned-empty" role="status">
              {canned.length ? `No canned response matches /${query}` : 'No canned responses yet.'}
            </p>
          )}
          <p class="canned-hint">↑↓ to choose · Tab or Enter to insert · Esc to close</p>
        </div>
      )}
      {uploads.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.key} class={`upload${u.state === 'failed' ? ' is-failed' : ''}`}>
              <span class="upload-name">{u.file.name}</span>
              {u.state === 'uploading' ? (
                <progress max={1} value={u.progress} aria-label={`Uploading ${u.file.name}`} />
              ) : (
                <>
                  <span class="failed" role="alert">
                    Not uploaded — {u.error}
                  </span>
                  <button type="button" class="link" onClick={() => retryUpload(u.key)}>
                    Retry
                  </button>
                  <button type="button" class="link" onClick={() => removeUpload(u.key)}>
                    Remove
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        class={`composer composer-${mode}${dragging ? ' is-dropping' : ''}`}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
        onDragOver={(e) => {
          if (!e.dataTransfer?.types.includes('Files')) return;
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          setDragging(false);
          if (take(e.dataTransfer?.files)) e.preventDefault();
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
          aria-autocomplete="list"
          aria-controls={matches.length ? `canned-${conversationId}` : undefined}
          aria-activedescendant={chosen ? `canned-${conversationId}-${chosen.id}` : undefined}
          onPaste={(e) => {
            if (take(e.clipboardData?.files)) e.preventDefault();
          }}
          onKeyDown={(e) => {
            if (!e.isComposing && listKey(e)) {
              e.preventDefault();
              return;
            }
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <div class="composer-bar">
          <input
            ref={picker}
            type="file"
            accept={ACCEPT}
            multiple
            hidden
            onChange={(e) => {
              take(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
          <button
            type="button"
            class="btn btn-ghost composer-attach"
            onClick={() => picker.current?.click()}
            title="Attach an image or a PDF (or drop or paste it here)"
          >
            Attach file
          </button>
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
    </div>
  );
}
