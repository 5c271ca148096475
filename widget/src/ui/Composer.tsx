import type { Limits } from '@switchboard/protocol';
import { isEmail } from '../email';
import { $proactive } from '../shared';
import { createTypingSender } from '../typing-sender';
import type { UiContext } from '../widget';
import { useEffect, useRef, useState } from './hooks';
import { clipIcon, sendIcon } from './icons';

const MAX_CHARS: typeof Limits.maxTextChars = 4000;

/** The message box. `away`: also asks for an email (once) so the reply can go there. */
export function Composer({ ui, away }: { ui: UiContext; away: boolean }) {
  const { t, client, kv, config } = ui;
  const [text, setText] = useState('');
  const [email, setEmail] = useState('');
  const [bad, setBad] = useState(false);
  const askEmail = away && !config.user?.email && !kv.get('email');
  const box = useRef<HTMLTextAreaElement>(null);
  const [typing] = useState(() => createTypingSender((on) => client.send({ type: 'typing', on })));

  useEffect(() => {
    // Focus moves into the dialog on open; not on touch screens, where it would pop the keyboard,
    // nor while a proactive message shows (it opened the panel while the visitor used the page).
    if (!$proactive.get() && !matchMedia('(pointer: coarse)').matches) box.current!.focus();
    return typing.stop;
  }, []);

  // Grow with the text up to a few lines, the stylesheet's max-height (script-set style:
  // allowed under a strict CSP).
  useEffect(() => {
    const el = box.current!; // the textarea is always there, and refs are set before effects run
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  // Files picked, dropped or pasted go to the log at once and are sent once uploaded.
  const picker = useRef<HTMLInputElement>(null);
  const take = (files: FileList | null | undefined) => {
    for (const f of files ?? []) client.attach(f);
    return !!files?.length;
  };

  const submit = () => {
    const value = text.trim();
    const mail = email.trim();
    if (!value) return;
    if (askEmail && mail) {
      setBad(!isEmail(mail));
      if (!isEmail(mail)) return;
      client.profile({ email: mail });
      kv.set('email', mail);
    }
    typing.stop();
    client.write(value);
    ui.sent();
    setText('');
    box.current!.focus();
  };

  return (
    <form
      class="composer"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {askEmail && (
        <>
          <input
            class="input mail"
            type="email"
            autocomplete="email"
            aria-label={t.email}
            placeholder={t.email}
            maxLength={320}
            value={email}
            aria-invalid={bad}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
          {bad && (
            <p class="error" role="alert">
              {t.badEmail}
            </p>
          )}
        </>
      )}
      <textarea
        ref={box}
        class="input"
        rows={1}
        aria-label={t.message}
        placeholder={t.placeholder}
        maxLength={MAX_CHARS}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (e.currentTarget.value) typing.input();
        }}
        onPaste={(e) => {
          if (take(e.clipboardData?.files)) e.preventDefault();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <input
        ref={picker}
        type="file"
        accept="image/*,.pdf"
        hidden
        onChange={(e) => {
          take(e.currentTarget.files);
          e.currentTarget.value = '';
        }}
      />
      <button type="button" class="icon-btn" aria-label={t.attach} onClick={() => picker.current!.click()}>
        {clipIcon()}
      </button>
      <button type="submit" class="send" aria-label={t.send} disabled={!text.trim()}>
        {sendIcon()}
      </button>
    </form>
  );
}
