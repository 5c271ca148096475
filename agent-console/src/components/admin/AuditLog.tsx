import { useStore } from '@nanostores/preact';
import type { ApiAuditPage } from '@switchboard/protocol';
import { useEffect, useState } from 'preact/hooks';
import { adminErrorText, auditApi } from '../../client/admin-api.js';
import { $session } from '../../stores/session.js';
import { FormError } from '../Field.js';

type Entry = ApiAuditPage['items'][number];

const when = (at: number) => new Date(at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/** What each action reads as in the log (an unknown one shows its name). */
const LABELS: Readonly<Record<string, string>> = {
  'site.updated': 'Changed the site',
  'site.secret_rotated': 'Rotated the site secret',
  'agent.invited': 'Added an agent',
  'agent.updated': 'Changed an agent',
  'api_key.created': 'Created an API key',
  'api_key.rotated': 'Rotated an API key',
  'api_key.revoked': 'Revoked an API key',
  'webhook.created': 'Added a webhook',
  'webhook.updated': 'Changed a webhook',
  'webhook.deleted': 'Deleted a webhook',
  'webhook.redelivered': 'Redelivered a webhook event',
  'canned.created': 'Added a canned response',
  'canned.updated': 'Changed a canned response',
  'canned.deleted': 'Deleted a canned response',
  'proactive.created': 'Added a proactive message',
  'proactive.updated': 'Changed a proactive message',
  'proactive.deleted': 'Deleted a proactive message',
  'visitor.blocked': 'Blocked a visitor',
  'visitor.unblocked': 'Unblocked a visitor',
  'visitor.exported': "Exported a visitor's data",
  'visitor.deleted': 'Deleted a visitor and their data',
};

/** The fields an action set, one short line (`title: "Talk to us", color: "#2563eb"`). */
export function detailsLine(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
}

/** Settings › Audit log (admins): who changed what, when — newest first, older on demand. */
export function AuditLog() {
  const site = useStore($session)?.agent.siteId;
  const [items, setItems] = useState<Entry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = (cursor: string | null) => {
    if (!site) return;
    setBusy(true);
    auditApi.page(site, cursor).then(
      (page) => {
        setItems((prev) => (cursor && prev ? [...prev, ...page.items] : page.items));
        setNext(page.nextCursor);
        setBusy(false);
      },
      (e: unknown) => {
        setError(adminErrorText(e));
        setBusy(false);
      },
    );
  };
  useEffect(() => load(null), [site]);
  if (!site) return null;
  return (
    <div class="settings">
      <header class="settings-head">
        <h1>Audit log</h1>
        <p class="muted">
          Every change to the site, its agents, keys, webhooks and canned responses, and every export or
          deletion of a visitor's data — made in the console or with an API key. Passwords and secrets are
          never recorded.
        </p>
      </header>
      <section class="card" aria-labelledby="audit-title">
        <div class="card-head">
          <h2 id="audit-title">Recent actions</h2>
        </div>
        <div class="card-body stack">
          <FormError error={error} />
          {items === null ? (
            <p class="muted small">Loading…</p>
          ) : items.length === 0 ? (
            <p class="muted small">Nothing recorded yet.</p>
          ) : (
            <div class="table-scroll">
              <table class="deliveries audit" aria-label="Audit log">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Who</th>
                    <th>Action</th>
                    <th>Record</th>
                    <th>Details</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={e.id}>
                      <td class="nowrap">{when(e.at)}</td>
                      <td>
                        {e.actor.name}
                        {e.actor.id.startsWith('api:') ? <span class="muted small"> (API key)</span> : null}
                      </td>
                      <td>{LABELS[e.action] ?? e.action}</td>
                      <td>{e.target ? <code>{e.target}</code> : '—'}</td>
                      <td class="audit-details">{detailsLine(e.details) || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {next ? (
            <button type="button" class="btn btn-secondary btn-sm" disabled={busy} onClick={() => load(next)}>
              Show older
            </button>
          ) : null}
        </div>
      </section>
    </div>
  );
}
