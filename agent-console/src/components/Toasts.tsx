import { useStore } from '@nanostores/preact';
import { $toasts, dismissToast } from '../stores/toasts.js';

export function Toasts() {
  const toasts = useStore($toasts);
  return (
    <div class="toasts">
      {toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.tone}`}>
          <span role={t.tone === 'error' ? 'alert' : 'status'}>{t.text}</span>
          <button type="button" class="toast-x" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
