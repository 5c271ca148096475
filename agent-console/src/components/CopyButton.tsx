import { useEffect, useState } from 'preact/hooks';

/** Copies `text`; says "Copied" for a moment (or why it could not). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2_500);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed'); // no clipboard permission (or not a secure context): select and copy by hand
    }
  }

  return (
    <span class="copy">
      <button type="button" class="btn btn-secondary btn-sm" onClick={copy}>
        {label}
      </button>
      <span class={`copy-status copy-${state}`} role="status">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </span>
  );
}
