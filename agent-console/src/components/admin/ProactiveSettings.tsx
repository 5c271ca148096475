import { useStore } from '@nanostores/preact';
import { useEffect, useState } from 'preact/hooks';
import { loadSite } from '../../client/admin.js';
import { adminErrorText, proactiveApi } from '../../client/admin-api.js';
import type { ApiProactiveRule } from '../../lib/proactive.js';
import { EMPTY_FORM, formOf, triggerText } from '../../lib/proactive.js';
import { $adminSite } from '../../stores/admin.js';
import { $session } from '../../stores/session.js';
import { showToast } from '../../stores/toasts.js';
import { ConfirmDialog } from '../ConfirmDialog.js';
import { FormError } from '../Field.js';
import { ProactiveDialog } from './ProactiveDialog.js';

/** Which dialog is open: none, a new rule, editing one, or asking before deleting one. */
type Open = null | { kind: 'new' } | { kind: 'edit' | 'delete'; rule: ApiProactiveRule };

/** Settings › Proactive messages (admins): messages the widget shows by itself, and when. */
export function ProactiveSettings() {
  const site = useStore($session)?.agent.siteId;
  const [rules, setRules] = useState<ApiProactiveRule[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<Open>(null);

  const load = () => {
    if (site) proactiveApi.list(site).then(setRules, (e: unknown) => setError(adminErrorText(e)));
  };
  useEffect(() => {
    load();
    if (!$adminSite.get()) loadSite().catch(() => {}); // its departments; the socket's list is the fallback
  }, [site]);
  if (!site) return null;

  const replace = (rule: ApiProactiveRule) =>
    setRules((list) => list?.map((r) => (r.id === rule.id ? rule : r)) ?? null);

  async function toggle(rule: ApiProactiveRule, enabled: boolean) {
    if (!site) return;
    replace({ ...rule, enabled }); // at once; the server's answer follows
    try {
      replace(await proactiveApi.update(site, rule.id, { enabled }));
    } catch (e) {
      replace(rule);
      showToast(`${rule.name}: ${adminErrorText(e)}`, 'error');
    }
  }

  return (
    <div class="settings">
      <header class="settings-head settings-head-row">
        <div>
          <h1>Proactive messages</h1>
          <p class="muted">
            The widget greets visitors first — on a page, when they come back, or by who they are. Each
            visitor sees a message once; a reply starts a conversation.
          </p>
        </div>
        <button type="button" class="btn btn-primary" onClick={() => setOpen({ kind: 'new' })}>
          New proactive message
        </button>
      </header>
      <section class="card" aria-labelledby="proactive-list-title">
        <div class="card-head">
          <h2 id="proactive-list-title">Messages</h2>
        </div>
        <div class="card-body stack">
          <FormError error={error} />
          {rules === null ? (
            !error && <p class="muted small">Loading…</p>
          ) : rules.length === 0 ? (
            <p class="muted small">None yet. “New proactive message” adds the first.</p>
          ) : (
            <ul class="key-list proactive-list" aria-label="Proactive messages">
              {rules.map((rule) => (
                <li key={rule.id} class={`proactive-row${rule.enabled ? '' : ' is-off'}`}>
                  <div class="proactive-main">
                    <div class="proactive-title">
                      <strong id={`proactive-${rule.id}`}>{rule.name}</strong>
                      {rule.department && <span class="tag">{rule.department}</span>}
                      {!rule.enabled && <span class="badge badge-muted">Off</span>}
                    </div>
                    <p class="proactive-trigger">{triggerText(rule)}</p>
                    <p class="proactive-text">{rule.text}</p>
                  </div>
                  <div class="proactive-actions">
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={rule.enabled}
                        aria-describedby={`proactive-${rule.id}`}
                        onChange={(e) => void toggle(rule, e.currentTarget.checked)}
                      />
                      Enabled
                    </label>
                    <button
                      type="button"
                      class="btn btn-ghost btn-sm"
                      aria-describedby={`proactive-${rule.id}`}
                      onClick={() => setOpen({ kind: 'edit', rule })}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      class="btn btn-danger-ghost btn-sm"
                      aria-describedby={`proactive-${rule.id}`}
                      onClick={() => setOpen({ kind: 'delete', rule })}
                    >
                      Delete
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
      {open?.kind === 'new' && (
        <ProactiveDialog
          title="New proactive message"
          initial={EMPTY_FORM}
          onClose={() => setOpen(null)}
          save={async (body) => {
            const made = await proactiveApi.create(site, body);
            setRules((list) => [...(list ?? []), made]);
          }}
        />
      )}
      {open?.kind === 'edit' && (
        <ProactiveDialog
          title="Edit proactive message"
          initial={formOf(open.rule)}
          onClose={() => setOpen(null)}
          save={async (body) => replace(await proactiveApi.update(site, open.rule.id, body))}
        />
      )}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          id="proactive-delete-title"
          title={`Delete “${open.rule.name}”?`}
          hint="Visitors no longer see this message. Conversations it started stay as they are."
          confirm="Delete"
          onClose={() => setOpen(null)}
          action={async () => {
            await proactiveApi.remove(site, open.rule.id);
            setRules((list) => list?.filter((r) => r.id !== open.rule.id) ?? null);
          }}
        />
      )}
    </div>
  );
}
