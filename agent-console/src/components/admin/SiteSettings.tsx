import { useStore } from '@nanostores/preact';
import type {
  AdminSite,
  AdminSitePatch,
  AssignmentMode,
  BusinessHours,
  SiteSecretResponse,
} from '@switchboard/protocol';
import { useEffect, useState } from 'preact/hooks';
import { loadSite, rotateSecret, saveSite } from '../../client/admin.js';
import { adminErrorText } from '../../client/admin-api.js';
import { linesOf } from '../../lib/lines.js';
import { $adminSite } from '../../stores/admin.js';
import { showToast } from '../../stores/toasts.js';
import { Field, FormError } from '../Field.js';
import { SecretOnce, Snippet } from '../SetupPage.js';
import { BusinessHoursField } from './BusinessHoursField.js';
import { WidgetPreview } from './WidgetPreview.js';

/** Settings › Site: name, origins, the widget's look, departments, snippet and secret. */
export function SiteSettings() {
  const site = useStore($adminSite);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    loadSite().catch((e: unknown) => setError(adminErrorText(e)));
  }, []);

  return (
    <div class="settings">
      <header class="settings-head">
        <h1>Site</h1>
        <p class="muted">
          {site ? `${site.name} · ${site.id}` : 'How your site and its widget look and where it runs.'}
        </p>
      </header>
      {error && !site && (
        <p class="signin-error" role="alert">
          {error}
        </p>
      )}
      {site && <SiteForm key={site.id} site={site} />}
      {site && <EmbedCard site={site} />}
      {site && <RetentionCard key={`${site.id}:${site.retentionDays}`} site={site} />}
      {site && <SecretCard site={site} />}
    </div>
  );
}

interface SiteFields {
  name: string;
  origins: string;
  color: string;
  title: string;
  greeting: string;
  departments: string;
  assignment: AssignmentMode;
  /** Departments with their own mode (the others follow `assignment`). */
  departmentModes: Record<string, AssignmentMode>;
}

function fieldsOf(site: AdminSite): SiteFields {
  return {
    name: site.name,
    origins: site.allowedOrigins.join('\n'),
    color: site.color,
    title: site.title,
    greeting: site.greeting,
    departments: site.departments.join('\n'),
    assignment: site.assignment,
    departmentModes: site.departmentAssignment,
  };
}

/** Only what changed, so an untouched field is never re-validated or overwritten. */
function patchOf(site: AdminSite, f: SiteFields): AdminSitePatch {
  const patch: AdminSitePatch = {};
  const was = fieldsOf(site);
  if (f.name.trim() !== was.name) patch.name = f.name.trim();
  if (linesOf(f.origins).join('\n') !== was.origins) patch.allowedOrigins = linesOf(f.origins);
  if (f.color.trim() !== was.color) patch.color = f.color.trim();
  if (f.title.trim() !== was.title) patch.title = f.title.trim();
  if (f.greeting.trim() !== was.greeting) patch.greeting = f.greeting.trim();
  if (linesOf(f.departments).join('\n') !== was.departments) patch.departments = linesOf(f.departments);
  if (f.assignment !== was.assignment) patch.assignment = f.assignment;
  // Only departments that still exist keep an override.
  const departments = linesOf(f.departments);
  const modes = Object.fromEntries(
    Object.entries(f.departmentModes).filter(([d]) => departments.includes(d)),
  );
  if (JSON.stringify(modes) !== JSON.stringify(was.departmentModes)) patch.departmentAssignment = modes;
  return patch;
}

function SiteForm({ site }: { site: AdminSite }) {
  const [f, setF] = useState<SiteFields>(() => fieldsOf(site));
  const [hours, setHours] = useState<BusinessHours | null>(site.businessHours);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const patch = patchOf(site, f);
  if (JSON.stringify(hours) !== JSON.stringify(site.businessHours)) patch.businessHours = hours;
  const dirty = Object.keys(patch).length > 0;
  const set = (key: keyof SiteFields) => (e: { currentTarget: { value: string } }) =>
    setF({ ...f, [key]: e.currentTarget.value });

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy || !dirty) return;
    setBusy(true);
    setError(null);
    try {
      await saveSite(patch);
      showToast('Site settings saved.', 'success');
    } catch (e) {
      setError(adminErrorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="site-form-title">
      <div class="card-head">
        <h2 id="site-form-title">Site and widget</h2>
      </div>
      <div class="card-body site-grid">
        <div class="stack">
          <Field label="Site name" hint="Shown to your agents.">
            <input name="name" value={f.name} onInput={set('name')} />
          </Field>
          <Field
            label="Allowed origins"
            hint="One per line: https://shop.example.com. For development, http://localhost:* allows any port."
          >
            <textarea name="origins" rows={3} spellcheck={false} value={f.origins} onInput={set('origins')} />
          </Field>
          <div class="form-row form-row-color">
            <Field label="Color">
              <input
                type="color"
                name="color"
                value={/^#[0-9a-f]{6}$/i.test(f.color) ? f.color : '#2563eb'}
                onInput={set('color')}
              />
            </Field>
            <label class="field">
              <span aria-hidden="true">&nbsp;</span>
              <input
                aria-label="Color code"
                class="mono-input"
                spellcheck={false}
                value={f.color}
                onInput={set('color')}
              />
            </label>
            <Field label="Title">
              <input name="title" value={f.title} onInput={set('title')} />
            </Field>
          </div>
          <Field label="Greeting" hint="The first message visitors see.">
            <textarea name="greeting" rows={2} value={f.greeting} onInput={set('greeting')} />
          </Field>
          <Field
            label="Departments"
            hint="One per line; visitors and transfers can pick one. Empty: a single queue."
          >
            <textarea name="departments" rows={3} value={f.departments} onInput={set('departments')} />
          </Field>
          <Field
            label="Assignment"
            hint={
              f.assignment === 'auto'
                ? 'New conversations go to the least busy online agent, within their max chats.'
                : 'Agents claim new conversations from the queue.'
            }
          >
            <select
              name="assignment"
              value={f.assignment}
              onChange={(e) =>
                setF({ ...f, assignment: e.currentTarget.value === 'auto' ? 'auto' : 'manual' })
              }
            >
              <option value="manual">Manual</option>
              <option value="auto">Automatic</option>
            </select>
          </Field>
          {linesOf(f.departments).length > 0 && (
            <fieldset class="dept-modes">
              <legend>Assignment per department</legend>
              {linesOf(f.departments).map((d) => (
                <label key={d} class="dept-mode">
                  <span>{d}</span>
                  <select
                    aria-label={`Assignment for ${d}`}
                    value={f.departmentModes[d] ?? ''}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      const next = { ...f.departmentModes };
                      if (v === 'auto' || v === 'manual') next[d] = v;
                      else delete next[d];
                      setF({ ...f, departmentModes: next });
                    }}
                  >
                    <option value="">Same as the site</option>
                    <option value="manual">Manual</option>
                    <option value="auto">Automatic</option>
                  </select>
                </label>
              ))}
            </fieldset>
          )}
        </div>
        <WidgetPreview color={f.color} title={f.title} greeting={f.greeting} />
      </div>
      <div class="card-section">
        <h3>Business hours</h3>
        <p class="muted small">Outside these hours the widget says when you are back and takes messages.</p>
        <BusinessHoursField value={hours} onChange={setHours} />
      </div>
      <div class="card-foot">
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : (
          <span class="muted small">{dirty ? 'Unsaved changes' : 'All changes saved'}</span>
        )}
        <div class="card-foot-actions">
          <button
            type="button"
            class="btn btn-ghost"
            disabled={!dirty || busy}
            onClick={() => {
              setF(fieldsOf(site));
              setHours(site.businessHours);
            }}
          >
            Discard
          </button>
          <button type="submit" class="btn btn-primary" disabled={!dirty || busy} aria-busy={busy}>
            Save
          </button>
        </div>
      </div>
    </form>
  );
}

function EmbedCard({ site }: { site: AdminSite }) {
  return (
    <section class="card" aria-labelledby="embed-title">
      <div class="card-head">
        <h2 id="embed-title">Embed snippet</h2>
        <p class="muted">Paste it into every page of your shop, just before the closing body tag.</p>
      </div>
      <div class="card-body">
        <Snippet snippet={site.snippet} />
      </div>
    </section>
  );
}

/** Privacy: how long closed conversations are kept (empty: for ever). */
function RetentionCard({ site }: { site: AdminSite }) {
  const [days, setDays] = useState(site.retentionDays === null ? '' : String(site.retentionDays));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const value = days.trim() === '' ? 0 : Number(days);
  const valid = Number.isInteger(value) && value >= 0 && value <= 3650;
  const dirty = value !== (site.retentionDays ?? 0);

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy || !dirty) return;
    if (!valid) return setError('Enter a whole number of days from 1 to 3650, or leave it empty.');
    setBusy(true);
    setError(null);
    try {
      await saveSite({ retentionDays: value });
      showToast(
        value ? `Closed conversations are deleted after ${value} days.` : 'Closed conversations are kept.',
        'success',
      );
    } catch (e) {
      setError(adminErrorText(e));
      setBusy(false);
    }
  }

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="retention-title">
      <div class="card-head">
        <h2 id="retention-title">Data retention</h2>
        <p class="muted">
          Closed conversations older than this are deleted for good, with their messages, notes and ratings
          (checked every hour). Admins can also export or delete one visitor's data from their panel.
        </p>
      </div>
      <div class="card-body stack">
        <Field
          class="retention-days"
          label="Delete closed conversations after (days)"
          hint="Empty: keep them."
        >
          <input
            type="number"
            name="retentionDays"
            min={1}
            max={3650}
            step={1}
            inputMode="numeric"
            placeholder="Keep"
            value={days}
            onInput={(e) => setDays(e.currentTarget.value)}
          />
        </Field>
        <FormError error={error} />
        <div>
          <button type="submit" class="btn btn-primary" disabled={busy || !dirty} aria-busy={busy}>
            Save retention
          </button>
        </div>
      </div>
    </form>
  );
}

function SecretCard({ site }: { site: AdminSite }) {
  const [step, setStep] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [rotated, setRotated] = useState<SiteSecretResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const until = rotated?.previousSecretUntil ?? site.previousSecretUntil;

  async function rotate() {
    setStep('busy');
    setError(null);
    try {
      setRotated(await rotateSecret());
    } catch (e) {
      setError(adminErrorText(e));
    } finally {
      setStep('idle');
    }
  }

  return (
    <section class="card" aria-labelledby="secret-title">
      <div class="card-head">
        <h2 id="secret-title">Site secret</h2>
        <p class="muted">
          Your shop's server signs visitor identities and notify calls with it. It is never shown again after
          creation or rotation.
        </p>
      </div>
      <div class="card-body stack">
        {rotated && <SecretOnce secret={rotated.secret} until={rotated.previousSecretUntil} />}
        {!rotated && until && until > Date.now() && (
          <p class="muted small">
            The previous secret keeps working until {new Date(until).toLocaleString()}.
          </p>
        )}
        <FormError error={error} />
        {step === 'confirm' ? (
          <div class="confirm">
            <p>
              Rotate the secret? Your shop must switch to the new one; the current secret keeps working for a
              grace period only.
            </p>
            <div class="confirm-actions">
              <button type="button" class="btn btn-ghost" onClick={() => setStep('idle')}>
                Cancel
              </button>
              <button type="button" class="btn btn-danger" onClick={rotate}>
                Rotate now
              </button>
            </div>
          </div>
        ) : (
          <div>
            <button
              type="button"
              class="btn btn-danger-ghost"
              disabled={step === 'busy'}
              onClick={() => setStep('confirm')}
            >
              Rotate secret
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
