import { Limits } from '@switchboard/protocol';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createTypingSender } from '../typing-sender';
import type { UiContext } from '../widget';
import { SendIcon } from './icons';

export function Composer({ ui }: { ui: UiContext }) {
  const { t, client } = ui;
  const [text, setText] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  const typing = useMemo(() => createTypingSender((on) => client.send({ type: 'typing', on })), [client]);

  useEffect(() => {
    // Focus moves into the dialog on open; not on touch screens, where it would pop the keyboard.
    if (!matchMedia('(pointer: coarse)').matches) box.current?.focus();
    return typing.dispose;
  }, []);

  // Grow with the text up to a few lines (script-set style: allowed under a strict CSP).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 132)}px`;
  }, [text]);

  const submit = () => {
    const value = text.trim();
    if (!value) return;
    typing.stop();
    client.write(value);
    setText('');
    box.current?.focus();
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        ref={box}
        class="input"
        rows={1}
        aria-label={t.message}
        placeholder={t.placeholder}
        maxLength={Limits.maxTextChars}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (e.currentTarget.value) typing.input();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <button type="submit" class="send" aria-label={t.send} disabled={!text.trim()}>
        <SendIcon />
      </button>
    </form>
  );
}
