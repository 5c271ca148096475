import { useRef, useState } from 'preact/hooks';
import { adminErrorText, blocksApi } from '../client/admin-api.js';
import { trapTab, useModal } from '../lib/modal.js';
import { showToast } from '../stores/toasts.js';
import { FormError } from './Field.js';

/** "Block visitor" (abuse, spam) with a confirmation that says what happens, and an optional reason. */
export function BlockVisitor({ site, visitorId, name }: { site: string; visitorId: string; name: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="btn btn-danger-ghost btn-sm block-btn" onClick={() => setOpen(true)}>
        Block visitor
      </button>
      {open && <BlockDialog site={site} visitorId={visitorId} name={name} onClose={() => setOpen(false)} />}
    </>
  );
}

function BlockDialog({
  site,
  visitorId,
  name,
  onClose,
}: {
  site: string;
  visitorId: string;
  name: string;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useModal(dialog);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      await blocksApi.block(site, visitorId, reason);
      showToast(`${name} is blocked`, 'info');
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
      aria-labelledby="block-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (dialog.current) trapTab(e, dialog.current);
      }}
    >
      <form class="dialog-body" onSubmit={submit}>
        <h2 id="block-title">Block {name}?</h2>
        <p class="dialog-hint">
          Their chat closes now and they cannot start a new one from this browser (or as this signed-in
          customer) until an admin unblocks them in Settings › Blocked visitors.
        </p>
        <label class="field">
          <span>Reason</span>
          <input
            value={reason}
            maxLength={500}
            placeholder="Spam, abuse… (optional, seen by your team)"
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </label>
        <FormError error={error} />
        <div class="dialog-actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-danger" disabled={busy} aria-busy={busy}>
            Block
          </button>
        </div>
      </form>
    </dialog>
  );
}
