import { useStore } from '@nanostores/preact';
import { useEffect, useState } from 'preact/hooks';
import { $visitorTyping, isTyping } from '../stores/typing.js';

export function TypingIndicator({ conversationId }: { conversationId: string }) {
  const expiresAt = useStore($visitorTyping, { keys: [conversationId] })[conversationId];
  const [, rerender] = useState(0);
  useEffect(() => {
    if (expiresAt === undefined) return;
    // Re-render when the indicator expires, in case the `off` frame never comes.
    const timer = setTimeout(() => rerender((n) => n + 1), Math.max(0, expiresAt - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [expiresAt]);
  const on = isTyping(expiresAt);
  return (
    <div class={`typing ${on ? 'is-on' : ''}`} aria-live="polite">
      {on && (
        <>
          <span class="typing-dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          Visitor is typing…
        </>
      )}
    </div>
  );
}
