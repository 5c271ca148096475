import { useState } from 'preact/hooks';
import { blocksApi } from '../client/admin-api.js';
import { showToast } from '../stores/toasts.js';
import { ConfirmDialog } from './ConfirmDialog.js';

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
  const [reason, setReason] = useState('');
  return (
    <ConfirmDialog
      id="block-title"
      title={`Block ${name}?`}
      hint="Their chat closes now and they cannot start a new one from this browser (or as this signed-in customer) until an admin unblocks them in Settings › Blocked visitors."
      confirm="Block"
      onClose={onClose}
      action={async () => {
        await blocksApi.block(site, visitorId, reason);
        showToast(`${name} is blocked`, 'info');
      }}
    >
      <label class="field">
        <span>Reason</span>
        <input
          value={reason}
          maxLength={500}
          placeholder="Spam, abuse… (optional, seen by your team)"
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </label>
    </ConfirmDialog>
  );
}
