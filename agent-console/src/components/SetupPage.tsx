import type { AdminSite, SetupResponse } from '@switchboard/protocol';
import { useEffect, useState } from 'preact/hooks';
import { replaceSession } from '../client/account.js';
import { runSetup, setupStatus } from '../client/admin-api.js';
import { ApiError } from '../client/api.js';
import { linesOf } from '../lib/lines.js';
import { leaveEntry } from '../stores/entry.js';
import { AuthCard } from './AuthCard.js';
import { CopyButton } from './CopyButton.js';
import { Field } from './Field.js';

type Phase = 'checking' | 'form' | 'bad-token' | { done: SetupResponse };

/** First run (`/console?setup=<token>`): create the first site and its admin, then the snippet. */
export function SetupPage({ token }: { token: string }) {
  const [phase, setPhase] = useState<Phase>('checking');

  useEffect(() => {
    setupStatus(token).then(
      (status) => {
        if (!status.needed)
          leaveEntry(); // already set up: the normal sign-in
        else setPhase(status.tokenValid ? 'form' : 'bad-token');
      },
      () => setPhase('form'), // cannot tell: let the POST say what is wrong
    );
  }, [token]);

  if (phase === 'checking') return <AuthCard wide>{null}</AuthCard>;
  if (phase === 'bad-token') return <SetupLinkMissing invalid />;
  if (phase === 'form') return <SetupForm token={token} onDone={(done) => setPhase({ done })} />;
  return <SetupDone site={phase.done.site} secret={phase.done.secret} />;
}

/** Setup needed but no (valid) token: say where the link is. */
export function SetupLinkMissing({ invalid = false }: { invalid?: boolean }) {
  return (
    <AuthCard wide>
      <h1>Set up Switchboard</h1>
      {invalid && (
        <p class="signin-error" role="alert">
          This setup link is not valid. Use the latest link the server printed.
        </p>
      )}
      <p>Switchboard has no site yet. Open the setup link to create your site and your admin account.</p>
      <p class="muted">
        The link is printed by <code class="inline-code">npm start</code> in the server's terminal, in the
        start-up banner: <code class="inline-code">…/console?setup=…</code>. It works once, until a site
        exists.
      </p>
    </AuthCard>
  );
}

interface SetupFields {
  siteId: string;
  siteName: string;
  origins: string;
  name: string;
  email: string;
  password: string;
}

const EMPTY: SetupFields = { siteId: '', siteName: '', origins: '', name: '', email: '', password: '' };

function SetupForm({ token, onDone }: { token: string; onDone: (done: SetupResponse) => void }) {
  const [f, setF] = useState<SetupFields>(EMPTY);
  const [error, setError] = useState<{ text: string; signIn?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof SetupFields) => (e: { currentTarget: { value: string } }) =>
    setF({ ...f, [key]: e.currentTarget.value });

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const done = await runSetup({
        token,
        site: { id: f.siteId.trim(), name: f.siteName.trim(), allowedOrigins: linesOf(f.origins) },
        admin: { name: f.name.trim(), email: f.email.trim(), password: f.password },
      });
      replaceSession({ token: done.token, agent: done.agent, sites: done.sites });
      onDone(done);
    } catch (e) {
      setError(setupError(e));
      setBusy(false);
    }
  }

  return (
    <AuthCard wide>
      <form class="stack" onSubmit={submit} noValidate>
        <div>
          <h1>Set up Switchboard</h1>
          <p class="muted">Create your site and your admin account. You can change all of it later.</p>
        </div>
        {error && (
          <div class="signin-error" role="alert">
            {error.text}
            {error.signIn && (
              <>
                {' '}
                <button type="button" class="link" onClick={leaveEntry}>
                  Go to sign-in
                </button>
              </>
            )}
          </div>
        )}
        <fieldset class="form-section">
          <legend>Your site</legend>
          <div class="form-row">
            <Field label="Site id" hint="Lower-case letters, digits and dashes; it goes into the snippet.">
              <input
                name="siteId"
                required
                autocomplete="off"
                spellcheck={false}
                placeholder="acme"
                value={f.siteId}
                onInput={set('siteId')}
              />
            </Field>
            <Field label="Site name" hint="Shown to your agents.">
              <input
                name="siteName"
                required
                placeholder="Acme Shop"
                value={f.siteName}
                onInput={set('siteName')}
              />
            </Field>
          </div>
          <Field
            label="Allowed origins"
            hint="The shop's addresses the widget runs on, one per line (https://shop.example.com)."
          >
            <textarea
              name="origins"
              rows={3}
              required
              spellcheck={false}
              placeholder="https://shop.example.com"
              value={f.origins}
              onInput={set('origins')}
            />
          </Field>
        </fieldset>
        <fieldset class="form-section">
          <legend>Your admin account</legend>
          <div class="form-row">
            <Field label="Your name">
              <input name="name" required autocomplete="name" value={f.name} onInput={set('name')} />
            </Field>
            <Field label="Email">
              <input
                type="email"
                name="email"
                required
                autocomplete="username"
                value={f.email}
                onInput={set('email')}
              />
            </Field>
          </div>
          <Field label="Password" hint="At least 8 characters.">
            <input
              type="password"
              name="password"
              required
              minLength={8}
              autocomplete="new-password"
              value={f.password}
              onInput={set('password')}
            />
          </Field>
        </fieldset>
        <div class="form-actions">
          <button class="btn btn-primary btn-lg" type="submit" disabled={busy} aria-busy={busy}>
            Create site
          </button>
        </div>
      </form>
    </AuthCard>
  );
}

function setupError(e: unknown): { text: string; signIn?: boolean } {
  if (!(e instanceof ApiError)) return { text: 'Setup failed. Try again.' };
  if (e.status === 400) return { text: e.serverMessage };
  if (e.status === 401)
    return { text: 'This setup link is not valid. Use the latest link the server printed.' };
  if (e.status === 409) return { text: 'Switchboard is already set up.', signIn: true };
  return { text: e.message };
}

function SetupDone({ site, secret }: { site: AdminSite; secret: string }) {
  return (
    <AuthCard wide>
      <div class="stack">
        <div>
          <h1>{site.name} is ready</h1>
          <p class="muted">Two things to do before you start answering visitors.</p>
        </div>
        <section class="setup-step">
          <h2>1. Add the widget to your shop</h2>
          <p>Paste this snippet into every page of your shop, just before the closing body tag.</p>
          <Snippet snippet={site.snippet} />
        </section>
        <section class="setup-step">
          <h2>2. Keep the site secret</h2>
          <SecretOnce secret={secret} />
        </section>
        <div class="form-actions">
          <button type="button" class="btn btn-primary btn-lg" onClick={leaveEntry}>
            Continue to the console
          </button>
        </div>
      </div>
    </AuthCard>
  );
}

export function Snippet({ snippet }: { snippet: string }) {
  return (
    <div class="codebox">
      <pre>
        <code>{snippet}</code>
      </pre>
      <CopyButton text={snippet} />
    </div>
  );
}

/** A secret shown once, with what it is for. */
export function SecretOnce({ secret, until }: { secret: string; until?: number | null }) {
  return (
    <div class="secret">
      <p class="secret-warn">
        <strong>Shown only now.</strong> Store it in your shop's server configuration: it signs visitor
        identities and notify calls. Anyone who has it can impersonate your customers.
      </p>
      <div class="codebox">
        <pre>
          <code>{secret}</code>
        </pre>
        <CopyButton text={secret} />
      </div>
      {until ? (
        <p class="muted small">
          The previous secret keeps working until {new Date(until).toLocaleString()} — update your shop before
          then.
        </p>
      ) : null}
    </div>
  );
}
