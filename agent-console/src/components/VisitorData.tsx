import { useRef, useState } from 'preact/hooks';
import { adminErrorText, privacyApi } from '../client/admin-api.js';
import { ApiError } from '../client/api.js';
import { trapTab, useModal } from '../lib/modal.js';
import { $activeId } from '../stores/active.js';
import { downloadVisitorData } from '../stores/history.js';
import { showToast } from '../stores/toasts.js';
import { FormError } from './Field.js';

/**
 * Personal data (admins): "Export data" downloads everything stored about the visitor as JSON;
 * "Delete visitor" erases them after a confirmation that says what goes.
 */
export function VisitorData({ site, visitorId, name }: { site: string; visitorId: string; name: string }) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const exportData = async () => {
    setBusy(true);
    try {
      await downloadVisitorData(visitorId);
    } catch (e) {
      showToast(e instanceof ApiError ? e.message : 'The data could not be downloaded.', 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <fieldset class="export-row" aria-label="Personal data">
        <span class="muted small">Personal data</span>
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          disabled={busy}
          aria-busy={busy}
          onClick={() => void exportData()}
        >
          Export data
        </button>
        <button type="button" class="btn btn-danger-ghost btn-sm" onClick={() => setConfirming(true)}>
          Delete visitor
        </button>
      </fieldset>
      {confirming && (
        <DeleteDialog site={site} visitorId={visitorId} name={name} onClose={() => setConfirming(false)} />
      )}
    </>
  );
}

function DeleteDialog({
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
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useModal(dialog);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      const done = await privacyApi.deleteVisitor(site, visitorId);
      const n = done.conversations;
      showToast(`${name} and ${n} conversation${n === 1 ? '' : 's'} deleted`, 'info');
      onClose();
      $activeId.set(null);
    } catch (err) {
      setError(adminErrorText(err));
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="erase-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (dialog.current) trapTab(e, dialog.current);
      }}
    >
      <form class="dialog-body" onSubmit={submit}>
        <h2 id="erase-title">Delete {name} and all their data?</h2>
        <p class="dialog-hint">
          Every conversation of this visitor — messages, internal notes, ratings — and their profile and visit
          are deleted for good, and your webhooks are told (visitor.deleted). Export the data first if the
          customer asked for a copy. This cannot be undone.
        </p>
        <FormError error={error} />
        <div class="dialog-actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-danger" disabled={busy} aria-busy={busy}>
            Delete for good
          </button>
        </div>
      </form>
    </dialog>
  );
}
