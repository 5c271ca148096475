import type { InvitationInfo } from '@switchboard/protocol';
import { useEffect, useState } from 'preact/hooks';
import { replaceSession } from '../client/account.js';
import { acceptInvitation, getInvitation } from '../client/admin-api.js';
import { ApiError } from '../client/api.js';
import { leaveEntry } from '../stores/entry.js';
import { AuthCard } from './AuthCard.js';
import { Field } from './Field.js';

type Phase = 'loading' | 'gone' | { failed: string } | { invitation: InvitationInfo };

/** `/console?invite=<token>`: an invited agent chooses a name and password and is signed in. */
export function InvitePage({ token }: { token: string }) {
  const [phase, setPhase] = useState<Phase>('loading');

  useEffect(() => {
    getInvitation(token).then(
      (invitation) => setPhase({ invitation }),
      (e: unknown) => setPhase(e instanceof ApiError && e.status === 404 ? 'gone' : { failed: messageOf(e) }),
    );
  }, [token]);

  if (phase === 'loading') return <AuthCard>{null}</AuthCard>;
  if (phase === 'gone' || 'failed' in phase) {
    return (
      <AuthCard>
        <h1>This invitation link cannot be used</h1>
        <p class="signin-error" role="alert">
          {phase === 'gone'
            ? 'It has expired or was already used. Ask your admin for a new invitation.'
            : phase.failed}
        </p>
        <button type="button" class="btn btn-secondary btn-block" onClick={leaveEntry}>
          Go to sign-in
        </button>
      </AuthCard>
    );
  }
  return <JoinForm token={token} invitation={phase.invitation} />;
}

function JoinForm({ token, invitation }: { token: string; invitation: InvitationInfo }) {
  const [name, setName] = useState(invitation.name);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const session = await acceptInvitation(token, { name: name.trim(), password });
      replaceSession(session);
      leaveEntry();
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 404
          ? 'This invitation has expired or was already used. Ask your admin for a new one.'
          : messageOf(e),
      );
      setBusy(false);
    }
  }

  return (
    <AuthCard>
      <form class="stack" onSubmit={submit} noValidate>
        <div>
          <h1>Join {invitation.site.name}</h1>
          <p class="muted">
            You were invited as <strong>{invitation.email}</strong>. Choose the name visitors see and a
            password.
          </p>
        </div>
        {error && (
          <p class="signin-error" role="alert">
            {error}
          </p>
        )}
        <Field label="Name">
          <input
            name="name"
            required
            autocomplete="name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <input type="hidden" name="email" autocomplete="username" value={invitation.email} />
        <Field label="Password" hint="At least 8 characters.">
          <input
            type="password"
            name="password"
            required
            minLength={8}
            autocomplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <button class="btn btn-primary btn-block" type="submit" disabled={busy} aria-busy={busy}>
          Join
        </button>
      </form>
    </AuthCard>
  );
}

function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.status === 400 ? e.serverMessage : e.message;
  return 'Something went wrong. Try again.';
}
