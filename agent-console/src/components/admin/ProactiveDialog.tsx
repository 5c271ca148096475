import { useStore } from '@nanostores/preact';
import { useRef, useState } from 'preact/hooks';
import { adminErrorText } from '../../client/admin-api.js';
import { trapTab, useModal } from '../../lib/modal.js';
import type { ApiProactiveRuleInput, ProactiveForm, ProactiveTrigger } from '../../lib/proactive.js';
import { inputOf, TRIGGERS } from '../../lib/proactive.js';
import { $adminSite } from '../../stores/admin.js';
import { $departments } from '../../stores/departments.js';
import { Field, FormError } from '../Field.js';

/**
 * New / Edit proactive message. `save` sends the rule; a refusal (the server's sentence names the
 * field) is shown here and the dialog stays open, success closes it.
 */
export function ProactiveDialog({
  title,
  initial,
  save,
  onClose,
}: {
  title: string;
  initial: ProactiveForm;
  save: (body: ApiProactiveRuleInput) => Promise<unknown>;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [form, setForm] = useState<ProactiveForm>(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const live = useStore($departments);
  const siteDepartments = useStore($adminSite)?.departments ?? live;
  // A rule may name a department the site has since dropped: keep it choosable, not silently changed.
  const departments = [...new Set([...siteDepartments, ...(initial.department ? [initial.department] : [])])];
  useModal(dialog);

  const set = <K extends keyof ProactiveForm>(key: K, value: ProactiveForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const body = inputOf(form);
    if ('error' in body) {
      setError(body.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await save(body);
      onClose();
    } catch (err) {
      setError(adminErrorText(err));
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={dialog}
      class="dialog dialog-wide"
      aria-labelledby="proactive-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (dialog.current) trapTab(e, dialog.current);
      }}
    >
      <form class="dialog-body" onSubmit={submit} noValidate>
        <h2 id="proactive-title">{title}</h2>
        <p class="dialog-hint">The widget shows it once per visitor; their reply starts a conversation.</p>
        <Field label="Name" hint="For you and your team; visitors do not see it.">
          <input
            name="name"
            maxLength={100}
            autocomplete="off"
            value={form.name}
            onInput={(e) => set('name', e.currentTarget.value)}
          />
        </Field>
        <Field label="Message">
          <textarea
            name="text"
            rows={3}
            maxLength={1000}
            value={form.text}
            onInput={(e) => set('text', e.currentTarget.value)}
          />
        </Field>
        <Field label="Trigger">
          <select
            name="trigger"
            value={form.trigger}
            onChange={(e) => {
              set('trigger', e.currentTarget.value as ProactiveTrigger);
              setError(null); // a refusal about the other trigger's fields no longer applies
            }}
          >
            {TRIGGERS.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </Field>
        {form.trigger === 'page' && (
          <Field
            label="URL pattern"
            hint={
              <>
                <code>*</code> matches anything. Start with <code>/</code> to match the path on every host (
                <code>/pricing*</code>), otherwise the whole address (<code>https://shop.example/sale/*</code>
                ).
              </>
            }
          >
            <input
              name="urlPattern"
              class="mono-input"
              autocomplete="off"
              spellcheck={false}
              placeholder="/pricing*"
              value={form.urlPattern}
              onInput={(e) => set('urlPattern', e.currentTarget.value)}
            />
          </Field>
        )}
        {form.trigger === 'attribute' && (
          <div class="form-row">
            <Field
              label="Attribute"
              hint={
                <>
                  Set by your page: <code>Switchboard('setAttributes', …)</code>
                </>
              }
            >
              <input
                name="attribute"
                maxLength={64}
                autocomplete="off"
                spellcheck={false}
                placeholder="plan"
                value={form.attribute}
                onInput={(e) => set('attribute', e.currentTarget.value)}
              />
            </Field>
            <Field label="Value" hint="Compared exactly.">
              <input
                name="value"
                maxLength={1000}
                autocomplete="off"
                spellcheck={false}
                placeholder="pro"
                value={form.value}
                onInput={(e) => set('value', e.currentTarget.value)}
              />
            </Field>
          </div>
        )}
        <div class="form-row">
          <Field label="Seconds on page" hint="Before it shows: 0 to 3600.">
            <input
              name="seconds"
              class="input-seconds"
              type="number"
              min={0}
              max={3600}
              step={1}
              inputMode="numeric"
              value={form.seconds}
              onInput={(e) => set('seconds', e.currentTarget.value)}
            />
          </Field>
          <Field label="Department" hint="Who answers the reply.">
            <select
              name="department"
              value={form.department ?? ''}
              onChange={(e) => set('department', e.currentTarget.value || null)}
            >
              <option value="">Any department</option>
              {departments.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <label class="check">
          <input
            type="checkbox"
            name="enabled"
            checked={form.enabled}
            onChange={(e) => set('enabled', e.currentTarget.checked)}
          />
          Enabled
        </label>
        <FormError error={error} />
        <div class="dialog-actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} aria-busy={busy}>
            Save
          </button>
        </div>
      </form>
    </dialog>
  );
}
