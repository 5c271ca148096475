import { useStore } from '@nanostores/preact';
import type { ApiKeyInfo, DeliveryInfo, WebhookEventType, WebhookInfo } from '@switchboard/protocol';
import { useEffect, useState } from 'preact/hooks';
import { adminErrorText, integrationsApi } from '../../client/admin-api.js';
import { $session } from '../../stores/session.js';
import { CopyButton } from '../CopyButton.js';
import { Field, FormError } from '../Field.js';

const EVENTS: readonly WebhookEventType[] = [
  'conversation.created',
  'conversation.assigned',
  'conversation.transferred',
  'conversation.closed',
  'conversation.reopened',
  'conversation.rated',
  'message.created',
  'visitor.deleted',
];

const when = (at: number) => new Date(at).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });

/** A secret or key shown once, with Copy and the warning that it will not be shown again. */
function ShownOnce({ label, value }: { label: string; value: string }) {
  return (
    <div class="secret" role="status">
      <p class="secret-warn">
        <strong>{label}: shown only now.</strong> Keep it in your backend's configuration.
      </p>
      <div class="codebox">
        <pre>
          <code>{value}</code>
        </pre>
        <CopyButton text={value} />
      </div>
    </div>
  );
}

function Deliveries({ site, hook }: { site: string; hook: WebhookInfo }) {
  const [rows, setRows] = useState<DeliveryInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    integrationsApi.deliveries(site, hook.id).then(setRows, (e: unknown) => setError(adminErrorText(e)));
  useEffect(() => {
    load();
  }, [hook.id]);
  if (error) return <p class="form-error">{error}</p>;
  if (!rows) return <p class="muted small">Loading deliveries…</p>;
  if (rows.length === 0) return <p class="muted small">No deliveries yet.</p>;
  return (
    <table class="deliveries" aria-label={`Deliveries to ${hook.url}`}>
      <thead>
        <tr>
          <th>Event</th>
          <th>State</th>
          <th>Attempts</th>
          <th>Response</th>
          <th>Updated</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id}>
            <td>
              <code>{d.type}</code>
            </td>
            <td>
              <span class={`badge badge-${d.state}`}>{d.state}</span>
            </td>
            <td>{d.attempts}</td>
            <td title={d.lastError ?? undefined}>{d.lastStatus ?? (d.lastError ? 'no answer' : '—')}</td>
            <td>{when(d.updatedAt)}</td>
            <td>
              <button
                type="button"
                class="btn btn-ghost btn-sm"
                onClick={() =>
                  integrationsApi
                    .redeliver(site, hook.id, d.id)
                    .then(load, (e: unknown) => setError(adminErrorText(e)))
                }
              >
                Redeliver
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Webhooks({ site }: { site: string }) {
  const [hooks, setHooks] = useState<WebhookInfo[] | null>(null);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['conversation.created', 'message.created']);
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    integrationsApi.webhooks(site).then(setHooks, (e: unknown) => setError(adminErrorText(e)));
  useEffect(() => {
    load();
  }, [site]);

  async function add(ev: Event) {
    ev.preventDefault();
    setError(null);
    try {
      const made = await integrationsApi.createWebhook(site, { url: url.trim(), events });
      setSecret(made.secret);
      setUrl('');
      await load();
    } catch (e) {
      setError(adminErrorText(e));
    }
  }

  return (
    <section class="card" aria-labelledby="webhooks-title">
      <div class="card-head">
        <h2 id="webhooks-title">Webhooks</h2>
        <p class="muted">
          Your systems hear about conversations and messages: signed <code>POST</code>s, retried for a day.
        </p>
      </div>
      <div class="card-body stack">
        {hooks && hooks.length > 0 && (
          <ul class="hook-list" aria-label="Webhooks">
            {hooks.map((h) => (
              <li key={h.id} class={h.active ? '' : 'is-off'}>
                <div class="hook-head">
                  <div>
                    <code class="hook-url">{h.url}</code>
                    <p class="muted small">
                      {h.active ? '' : 'Switched off · '}
                      {h.events.join(', ')}
                    </p>
                  </div>
                  <div class="hook-actions">
                    <button
                      type="button"
                      class="btn btn-ghost btn-sm"
                      onClick={() => setOpen(open === h.id ? null : h.id)}
                    >
                      {open === h.id ? 'Hide deliveries' : 'Deliveries'}
                    </button>
                    {h.active && (
                      <button
                        type="button"
                        class="btn btn-danger-ghost btn-sm"
                        onClick={() =>
                          integrationsApi
                            .switchOff(site, h.id)
                            .then(load, (e: unknown) => setError(adminErrorText(e)))
                        }
                      >
                        Switch off
                      </button>
                    )}
                  </div>
                </div>
                {open === h.id && <Deliveries site={site} hook={h} />}
              </li>
            ))}
          </ul>
        )}
        {secret && <ShownOnce label="Signing secret" value={secret} />}
        <form class="stack" onSubmit={add} noValidate>
          <Field label="Endpoint URL" hint="https://… on your side; it receives a POST per event.">
            <input type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          </Field>
          <fieldset class="events">
            <legend>Events</legend>
            {EVENTS.map((name) => (
              <label key={name} class="check">
                <input
                  type="checkbox"
                  checked={events.includes(name)}
                  onChange={(e) =>
                    setEvents(e.currentTarget.checked ? [...events, name] : events.filter((x) => x !== name))
                  }
                />
                <code>{name}</code>
              </label>
            ))}
          </fieldset>
          <FormError error={error} />
          <div>
            <button type="submit" class="btn btn-primary" disabled={!url.trim() || events.length === 0}>
              Add webhook
            </button>
          </div>
        </form>
      </div>
    </section>
  );
}

function ApiKeys({ site }: { site: string }) {
  const [keys, setKeys] = useState<ApiKeyInfo[] | null>(null);
  const [name, setName] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => integrationsApi.apiKeys(site).then(setKeys, (e: unknown) => setError(adminErrorText(e)));
  useEffect(() => {
    load();
  }, [site]);

  async function create(ev: Event) {
    ev.preventDefault();
    setError(null);
    try {
      const made = await integrationsApi.createKey(site, name.trim());
      setShown(made.key);
      setName('');
      await load();
    } catch (e) {
      setError(adminErrorText(e));
    }
  }

  return (
    <section class="card" aria-labelledby="keys-title">
      <div class="card-head">
        <h2 id="keys-title">API keys</h2>
        <p class="muted">
          For your backend: the notify API and <code>/api/v1</code> (<a href="/api/v1/docs">API reference</a>
          ).
        </p>
      </div>
      <div class="card-body stack">
        {keys && keys.length > 0 && (
          <ul class="key-list" aria-label="API keys">
            {keys.map((k) => (
              <li key={k.id} class={k.revokedAt ? 'is-off' : ''}>
                <span>
                  <strong>{k.name}</strong> <code>{k.prefix}…</code>
                </span>
                <span class="muted small">
                  {k.revokedAt ? `Revoked ${when(k.revokedAt)}` : `Created ${when(k.createdAt)}`}
                </span>
                {!k.revokedAt && (
                  <button
                    type="button"
                    class="btn btn-danger-ghost btn-sm"
                    onClick={() =>
                      integrationsApi
                        .revokeKey(site, k.id)
                        .then(load, (e: unknown) => setError(adminErrorText(e)))
                    }
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {shown && <ShownOnce label="API key" value={shown} />}
        <form class="key-form" onSubmit={create} noValidate>
          <Field label="Key name" hint="What uses it, e.g. “Order system”.">
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <div class="form-row-end">
            <button type="submit" class="btn btn-primary" disabled={!name.trim()}>
              Create key
            </button>
          </div>
        </form>
        <FormError error={error} />
      </div>
    </section>
  );
}

/** Settings › Integrations: webhooks with their deliveries, and the site's API keys. */
export function IntegrationsSettings() {
  const session = useStore($session);
  const site = session?.agent.siteId;
  if (!site) return null;
  return (
    <div class="settings">
      <header class="settings-head">
        <h1>Integrations</h1>
        <p class="muted">Connect your shop's systems: webhooks out, API keys in.</p>
      </header>
      <Webhooks site={site} />
      <ApiKeys site={site} />
    </div>
  );
}
