import { useStore } from '@nanostores/preact';
import { useEffect, useState } from 'preact/hooks';
import { changePassword, renameMe } from '../client/account.js';
import { adminErrorText, meApi } from '../client/admin-api.js';
import { ApiError } from '../client/api.js';
import { $alerts, setAlerts } from '../stores/alerts.js';
import { $session } from '../stores/session.js';
import { showToast } from '../stores/toasts.js';
import { CannedManager } from './CannedManager.js';
import { Field, FormError } from './Field.js';

/** My profile (every agent): display name and password. */
export function Profile() {
  const session = useStore($session);
  if (!session) return null;
  const site = session.sites.find((s) => s.id === session.agent.siteId);
  return (
    <div class="page page-single">
      <main class="page-main">
        <div class="settings">
          <header class="settings-head">
            <h1>My profile</h1>
            <p class="muted">
              {session.agent.email} · {session.agent.role === 'admin' ? 'Admin' : 'Agent'}
              {site ? ` of ${site.name}` : ''}
            </p>
          </header>
          <NameForm key={session.agent.id} name={session.agent.name} />
          <PasswordForm />
          <AlertsForm />
          <MailForm key={session.agent.id} />
          <CannedManager key={session.agent.siteId} site={session.agent.siteId} personal />
        </div>
      </main>
    </div>
  );
}

function NameForm({ name: initial }: { name: string }) {
  const [name, setName] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = name.trim() !== initial && name.trim() !== '';

  async function submit(ev: Event) {
    ev.preventDefault();
    if (!dirty || busy) return;
    setBusy(true);
    setError(null);
    try {
      await renameMe(name.trim());
      showToast('Display name saved.', 'success');
    } catch (e) {
      setError(adminErrorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="name-title">
      <div class="card-head">
        <h2 id="name-title">Display name</h2>
        <p class="muted">Visitors and teammates see it next to your replies.</p>
      </div>
      <div class="card-body narrow">
        <Field label="Display name">
          <input
            name="name"
            autocomplete="name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <FormError error={error} />
      </div>
      <div class="card-foot card-foot-end">
        <button type="submit" class="btn btn-primary" disabled={!dirty || busy} aria-busy={busy}>
          Save name
        </button>
      </div>
    </form>
  );
}

function PasswordForm() {
  const email = useStore($session)?.agent.email ?? '';
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    if (next.length < 8) {
      setError('The new password needs at least 8 characters.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      showToast('Password changed. Your other sessions were signed out.', 'success');
    } catch (e) {
      setError(
        e instanceof ApiError && (e.status === 401 || e.status === 403)
          ? 'The current password is wrong.'
          : adminErrorText(e),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="password-title">
      <div class="card-head">
        <h2 id="password-title">Password</h2>
        <p class="muted">Changing it signs you out everywhere else.</p>
      </div>
      <div class="card-body narrow stack">
        <input type="hidden" name="username" autocomplete="username" value={email} />
        <Field label="Current password">
          <input
            type="password"
            name="current-password"
            autocomplete="current-password"
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </Field>
        <Field label="New password" hint="At least 8 characters.">
          <input
            type="password"
            name="new-password"
            autocomplete="new-password"
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
        </Field>
        <FormError error={error} />
      </div>
      <div class="card-foot card-foot-end">
        <button type="submit" class="btn btn-primary" disabled={busy || !current || !next} aria-busy={busy}>
          Change password
        </button>
      </div>
    </form>
  );
}

const AWAY_CHOICES = [0, 5, 10, 15, 30, 60];

/** Sound, desktop notifications and automatic away: this browser's settings, applied at once. */
/** Mail settings, kept on the server; shown only when it sends mail (SMTP_URL). */
function MailForm() {
  const [mail, setMail] = useState<{ enabled: boolean; leftMessages: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    meApi.get().then(
      (me) => live && setMail(me.mail ?? null),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  if (!mail?.enabled) return null;
  async function toggle(on: boolean) {
    setBusy(true);
    try {
      const me = await meApi.patch({ mailLeftMessages: on });
      setMail(me.mail ?? null);
      showToast(
        on
          ? 'You will get an email of messages left while nobody is online.'
          : 'No more emails of left messages.',
        'success',
      );
    } catch (e) {
      showToast(adminErrorText(e), 'error');
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" aria-labelledby="mail-title">
      <div class="card-head">
        <h2 id="mail-title">Email</h2>
        <p class="muted">A digest a few minutes after visitors wrote while nobody of the team was online.</p>
      </div>
      <div class="card-body narrow stack">
        <label class="check">
          <input
            type="checkbox"
            checked={mail.leftMessages}
            disabled={busy}
            onChange={(e) => void toggle(e.currentTarget.checked)}
          />
          Email me messages left while nobody is online
        </label>
      </div>
    </section>
  );
}

function AlertsForm() {
  const alerts = useStore($alerts);
  const supported = typeof Notification !== 'undefined';
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  return (
    <section class="card" aria-labelledby="alerts-title">
      <div class="card-head">
        <h2 id="alerts-title">Alerts</h2>
        <p class="muted">
          For a new conversation in the queue or a visitor's message in yours, when this tab is hidden or
          another conversation is open. Kept in this browser.
        </p>
      </div>
      <div class="card-body narrow stack">
        <label class="check">
          <input
            type="checkbox"
            checked={alerts.sound}
            onChange={(e) => setAlerts({ sound: e.currentTarget.checked })}
          />
          Play a sound
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={alerts.desktop}
            onChange={(e) => setAlerts({ desktop: e.currentTarget.checked })}
          />
          Desktop notifications
        </label>
        {alerts.desktop && supported && permission !== 'granted' && (
          <p class="muted small">
            {permission === 'denied' ? (
              'This browser blocks notifications for the console: allow them in its site settings.'
            ) : (
              <button
                type="button"
                class="btn btn-secondary btn-sm"
                onClick={() => void Notification.requestPermission().then(setPermission, () => undefined)}
              >
                Allow desktop notifications
              </button>
            )}
          </p>
        )}
        <Field
          label="Show me as away after"
          hint="Without a key press or click in the console; back online on the next one."
        >
          <select
            value={String(alerts.awayAfterMin)}
            onChange={(e) => setAlerts({ awayAfterMin: Number(e.currentTarget.value) })}
          >
            {AWAY_CHOICES.map((m) => (
              <option key={m} value={String(m)}>
                {m === 0 ? 'Never' : `${m} minutes`}
              </option>
            ))}
          </select>
        </Field>
      </div>
    </section>
  );
}
