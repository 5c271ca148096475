import { useState } from 'preact/hooks';
import { privacyApi } from '../client/admin-api.js';
import { ApiError } from '../client/api.js';
import { $activeId } from '../stores/active.js';
import { downloadVisitorData } from '../stores/history.js';
import { showToast } from '../stores/toasts.js';
import { ConfirmDialog } from './ConfirmDialog.js';

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
  return (
    <ConfirmDialog
      id="erase-title"
      title={`Delete ${name} and all their data?`}
      hint="Every conversation of this visitor — messages, internal notes, ratings — and their profile and visit are deleted for good, and your webhooks are told (visitor.deleted). Export the data first if the customer asked for a copy. This cannot be undone."
      confirm="Delete for good"
      onClose={onClose}
      action={async () => {
        const done = await privacyApi.deleteVisitor(site, visitorId);
        const n = done.conversations;
        showToast(`${name} and ${n} conversation${n === 1 ? '' : 's'} deleted`, 'info');
        $activeId.set(null);
      }}
    />
  );
}
