import type { AgentRole, CreateAgentResponse } from '@switchboard/protocol';
import { useRef, useState } from 'preact/hooks';
import { inviteAgent } from '../../client/admin.js';
import { adminErrorText } from '../../client/admin-api.js';
import { trapTab, useModal } from '../../lib/modal.js';
import { CopyButton } from '../CopyButton.js';
import { Field, FormError } from '../Field.js';

/** Invite agent: email, name, role → a one-time link to hand over (mail comes later). */
export function InviteDialog({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<AgentRole>('agent');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreateAgentResponse | null>(null);

  useModal(dialog);

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setCreated(await inviteAgent({ email: email.trim(), name: name.trim(), role }));
    } catch (e) {
      setError(adminErrorText(e));
    } finally {
      setBusy(false);
    }
  }

  function again() {
    setCreated(null);
    setEmail('');
    setName('');
    setRole('agent');
  }

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="invite-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (dialog.current) trapTab(e, dialog.current);
      }}
    >
      {created ? (
        <div class="dialog-body">
          <h2 id="invite-title">Invitation ready</h2>
          <p class="dialog-hint">
            {created.mailed
              ? `We mailed this link to ${created.agent.name} (${created.agent.email}).`
              : `Send this link to ${created.agent.name} (${created.agent.email}).`}{' '}
            It works once
            {created.inviteExpiresAt ? `, until ${new Date(created.inviteExpiresAt).toLocaleString()}` : ''}.
          </p>
          {created.inviteUrl ? (
            <div class="field">
              <label for="invite-link">Invitation link</label>
              <div class="input-with-button">
                <input
                  id="invite-link"
                  class="mono-input"
                  readOnly
                  value={created.inviteUrl}
                  onFocus={(e) => e.currentTarget.select()}
                />
                <CopyButton text={created.inviteUrl} />
              </div>
            </div>
          ) : (
            <p>{created.agent.name} can sign in now.</p>
          )}
          <div class="dialog-actions">
            <button type="button" class="btn btn-ghost" onClick={again}>
              Invite another
            </button>
            <button type="button" class="btn btn-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form class="dialog-body" onSubmit={submit} noValidate>
          <h2 id="invite-title">Invite agent</h2>
          <p class="dialog-hint">They get a one-time link to choose their password.</p>
          <FormError error={error} />
          <Field label="Email">
            <input
              type="email"
              name="email"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </Field>
          <Field label="Name">
            <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="Role" hint="Admins can change settings and manage agents.">
            <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as AgentRole)}>
              <option value="agent">Agent</option>
              <option value="admin">Admin</option>
            </select>
          </Field>
          <div class="dialog-actions">
            <button type="button" class="btn btn-ghost" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" class="btn btn-primary" disabled={busy} aria-busy={busy}>
              Invite
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
