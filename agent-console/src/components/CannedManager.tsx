import type { ApiCanned } from '@switchboard/protocol';
import { useEffect, useState } from 'preact/hooks';
import { adminErrorText, cannedApi } from '../client/admin-api.js';
import { $canned } from '../stores/canned.js';
import { Field, FormError } from './Field.js';

const SHORTCUT = /^[a-z0-9_-]{1,32}$/;

/**
 * Add, edit and delete canned responses: the site's (Settings, admins) or the agent's own
 * (Profile). The reply box's list is refreshed after every change.
 */
export function CannedManager({ site, personal }: { site: string; personal: boolean }) {
  const scope = personal ? 'personal' : 'site';
  const [items, setItems] = useState<ApiCanned[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const load = () =>
    cannedApi.list(site, scope).then(
      (list) => {
        setItems(list);
        $canned.set(null); // the reply box fetches again on its next "/"
      },
      (e: unknown) => setError(adminErrorText(e)),
    );
  useEffect(() => {
    void load();
  }, [site, scope]);

  const title = personal ? 'My canned responses' : 'Site-wide responses';
  const titleId = `canned-${scope}-title`;
  return (
    <section class="card" aria-labelledby={titleId}>
      <div class="card-head">
        <h2 id={titleId}>{title}</h2>
        <p class="muted">
          Type <kbd>/</kbd> in the reply box to insert one; <code>{'{visitor.name}'}</code>,{' '}
          <code>{'{visitor.email}'}</code> and <code>{'{agent.name}'}</code> are filled in.
          {personal ? ' Only you see these; yours win over the site’s on the same shortcut.' : ''}
        </p>
      </div>
      <div class="card-body stack">
        <FormError error={error} />
        {items === null ? (
          <p class="muted small">Loading…</p>
        ) : items.length === 0 ? (
          <p class="muted small">None yet.</p>
        ) : (
          <ul class="key-list canned-manage" aria-label={title}>
            {items.map((c) =>
              editing === c.id ? (
                <li key={c.id}>
                  <CannedForm
                    initial={c}
                    submitLabel="Save"
                    onCancel={() => setEditing(null)}
                    onSubmit={(body) =>
                      cannedApi.update(site, c.id, body).then(() => {
                        setEditing(null);
                        return load();
                      })
                    }
                  />
                </li>
              ) : (
                <li key={c.id} class="canned-row">
                  <code class="canned-shortcut">/{c.shortcut}</code>
                  <span class="canned-manage-text">{c.text}</span>
                  <span class="canned-manage-actions">
                    <button
                      type="button"
                      class="btn btn-ghost btn-sm"
                      aria-label={`Edit /${c.shortcut}`}
                      onClick={() => setEditing(c.id)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      class="btn btn-danger-ghost btn-sm"
                      aria-label={`Delete /${c.shortcut}`}
                      onClick={() =>
                        cannedApi.remove(site, c.id).then(load, (e: unknown) => setError(adminErrorText(e)))
                      }
                    >
                      Delete
                    </button>
                  </span>
                </li>
              ),
            )}
          </ul>
        )}
        <CannedForm
          key={items?.length ?? 0}
          submitLabel="Add response"
          onSubmit={(body) => cannedApi.create(site, { ...body, personal }).then(load)}
        />
      </div>
    </section>
  );
}

function CannedForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial?: ApiCanned;
  submitLabel: string;
  onSubmit: (body: { shortcut: string; text: string }) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const [shortcut, setShortcut] = useState(initial?.shortcut ?? '');
  const [text, setText] = useState(initial?.text ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const valid = SHORTCUT.test(shortcut) && text.trim().length > 0 && text.length <= 2000;

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    if (!SHORTCUT.test(shortcut)) {
      setError('Shortcut: 1–32 lower-case letters, digits, - or _ (it is typed after /).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ shortcut, text: text.trim() });
      if (!initial) {
        setShortcut('');
        setText('');
      }
    } catch (err) {
      setError(adminErrorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="stack canned-form" onSubmit={submit} noValidate>
      <Field label="Shortcut" hint="Typed after / in the reply box: lower-case letters, digits, - and _.">
        <input
          value={shortcut}
          maxLength={32}
          autocomplete="off"
          spellcheck={false}
          onInput={(e) => setShortcut(e.currentTarget.value.trim().toLowerCase())}
        />
      </Field>
      <Field label="Response text">
        <textarea rows={3} maxLength={2000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </Field>
      <FormError error={error} />
      <div class="row-actions">
        <button type="submit" class="btn btn-primary" disabled={!valid || busy} aria-busy={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" class="btn btn-ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
