import { useStore } from '@nanostores/preact';
import { useEffect, useState } from 'preact/hooks';
import { requestPasswordReset, setupStatus } from '../client/admin-api.js';
import { ApiError, login } from '../client/api.js';
import { askNotificationPermission } from '../lib/notify.js';
import { $signOutReason, setSession } from '../stores/session.js';
import { Logo } from './Logo.js';

const DEMO_ACCOUNTS = ['ana@demo.test', 'ben@demo.test', 'admin@demo.test'];
const DEMO_PASSWORD = 'demo1234';

export function SignIn() {
  const reason = useStore($signOutReason);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The demo accounts are offered only where the demo site was seeded.
  const [demo, setDemo] = useState(false);
  // "Forgot password?" only where the server sends mail.
  const [mail, setMail] = useState(false);
  const [forgot, setForgot] = useState(false);
  useEffect(() => {
    setupStatus(null).then(
      (s) => {
        setDemo(s.demo);
        setMail(s.mail === true);
      },
      () => setDemo(false),
    );
  }, []);

  if (forgot) return <ForgotPassword email={email} onBack={() => setForgot(false)} />;

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    askNotificationPermission(); // a user gesture: the only moment browsers allow asking
    setBusy(true);
    setError(null);
    try {
      setSession(await login(email.trim(), password));
    } catch (e) {
      setError(signInError(e));
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} noValidate>
        <div class="signin-brand">
          <Logo />
          <span>Switchboard</span>
        </div>
        <h1>Sign in to the agent console</h1>
        {reason && !error && <p class="signin-notice">{reason}</p>}
        {error && (
          <p class="signin-error" role="alert">
            {error}
          </p>
        )}
        <label class="field">
          <span>Email</span>
          <input
            type="email"
            name="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            type="password"
            name="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button class="btn btn-primary btn-block" type="submit" disabled={busy} aria-busy={busy}>
          Sign in
        </button>
        {mail && (
          <button type="button" class="signin-forgot" onClick={() => setForgot(true)}>
            Forgot password?
          </button>
        )}
        {demo && (
          <div class="signin-demo">
            <p>
              Demo accounts — password <code>{DEMO_PASSWORD}</code>
            </p>
            <div class="signin-demo-list">
              {DEMO_ACCOUNTS.map((account) => (
                <button
                  key={account}
                  type="button"
                  class="chip"
                  title={`Fill in ${account}`}
                  onClick={() => {
                    setEmail(account);
                    setPassword(DEMO_PASSWORD);
                  }}
                >
                  {account}
                </button>
              ))}
            </div>
          </div>
        )}
      </form>
    </main>
  );
}

/** Asks for a reset link by mail; says the same whether the address has an account or not. */
function ForgotPassword({ email: initial, onBack }: { email: string; onBack: () => void }) {
  const [email, setEmail] = useState(initial);
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy || !email.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await requestPasswordReset({ email: email.trim() });
      setSent(email.trim());
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} noValidate>
        <div class="signin-brand">
          <Logo />
          <span>Switchboard</span>
        </div>
        <h1>Reset your password</h1>
        {sent ? (
          <p class="signin-notice" role="status">
            If {sent} has an account, a link to choose a new password is on its way. It works once, for an
            hour.
          </p>
        ) : (
          <>
            <p class="muted">We mail you a link to choose a new one.</p>
            {error && (
              <p class="signin-error" role="alert">
                {error}
              </p>
            )}
            <label class="field">
              <span>Email</span>
              <input
                type="email"
                name="email"
                autocomplete="username"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </label>
            <button class="btn btn-primary btn-block" type="submit" disabled={busy} aria-busy={busy}>
              Send reset link
            </button>
          </>
        )}
        <button type="button" class="btn btn-secondary btn-block" onClick={onBack}>
          Back to sign-in
        </button>
      </form>
    </main>
  );
}

function signInError(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Sign-in failed. Try again.';
  // 403: right password, but the account is deactivated (or a member of no active site).
  if (e.status === 403) return 'This account is deactivated. Ask an admin of your site to reactivate it.';
  return e.message;
}
