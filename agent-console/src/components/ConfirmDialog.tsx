import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { adminErrorText } from '../client/admin-api.js';
import { trapTab, useModal } from '../lib/modal.js';
import { FormError } from './Field.js';

/**
 * A modal that asks before a destructive action: the question, what happens, optional fields,
 * Cancel and the action's button. `action` runs on submit; its error is shown in the dialog
 * (which stays open), success closes it.
 */
export function ConfirmDialog({
  id,
  title,
  hint,
  confirm,
  action,
  onClose,
  children,
}: {
  id: string;
  title: string;
  hint: string;
  confirm: string;
  action: () => Promise<void>;
  onClose: () => void;
  children?: ComponentChildren;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useModal(dialog);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      await action();
      onClose();
    } catch (err) {
      setError(adminErrorText(err));
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby={id}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (dialog.current) trapTab(e, dialog.current);
      }}
    >
      <form class="dialog-body" onSubmit={submit}>
        <h2 id={id}>{title}</h2>
        <p class="dialog-hint">{hint}</p>
        {children}
        <FormError error={error} />
        <div class="dialog-actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-danger" disabled={busy} aria-busy={busy}>
            {confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}
