import { useState } from 'preact/hooks';
import { replaceSession } from '../client/account.js';
import { resetPassword } from '../client/admin-api.js';
import { ApiError } from '../client/api.js';
import { leaveEntry } from '../stores/entry.js';
import { AuthCard } from './AuthCard.js';
import { Field } from './Field.js';

/** `/console?reset=<token>` (the link a password-reset mail carries): a new password, then signed in. */
export function ResetPage({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      replaceSession(await resetPassword(token, { password }));
      leaveEntry();
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 404
          ? 'This reset link has expired or was already used. Ask for a new one from the sign-in page.'
          : e instanceof ApiError
            ? e.status === 400
              ? e.serverMessage
              : e.message
            : 'Something went wrong. Try again.',
      );
      setBusy(false);
    }
  }

  return (
    <AuthCard>
      <form class="stack" onSubmit={submit} noValidate>
        <div>
          <h1>Choose a new password</h1>
          <p class="muted">
            You will be signed in with it; every other session of your account is signed out.
          </p>
        </div>
        {error && (
          <p class="signin-error" role="alert">
            {error}
          </p>
        )}
        <Field label="New password" hint="At least 8 characters.">
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
          Set password
        </button>
        <button type="button" class="btn btn-secondary btn-block" onClick={leaveEntry}>
          Back to sign-in
        </button>
      </form>
    </AuthCard>
  );
}
