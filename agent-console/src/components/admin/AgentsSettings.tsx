import { useStore } from '@nanostores/preact';
import type { AdminAgent, AgentPatchRequest, AgentRole } from '@switchboard/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { followTeam, loadAgents, loadSite, patchAgent } from '../../client/admin.js';
import { adminErrorText } from '../../client/admin-api.js';
import { $adminAgents, $adminSite } from '../../stores/admin.js';
import { $departments } from '../../stores/departments.js';
import { $session } from '../../stores/session.js';
import { showToast } from '../../stores/toasts.js';
import { Avatar } from '../Avatar.js';
import { InviteDialog } from './InviteDialog.js';

/** Settings › Agents: who can sign in to this site, their role and capacity; invitations. */
export function AgentsSettings() {
  const agents = useStore($adminAgents);
  const [error, setError] = useState<string | null>(null);
  const [inviting, setInviting] = useState(false);

  useEffect(() => {
    loadAgents().catch((e: unknown) => setError(adminErrorText(e)));
    if (!$adminSite.get()) loadSite().catch(() => {}); // its departments; the socket's list is the fallback
    return followTeam();
  }, []);

  const count = (keep: (a: AdminAgent) => boolean) => agents?.filter(keep).length ?? 0;
  const summary = [
    `${count((a) => a.active && !a.invited)} active`,
    count((a) => a.active && a.invited) ? `${count((a) => a.active && a.invited)} invited` : '',
    count((a) => !a.active) ? `${count((a) => !a.active)} deactivated` : '',
  ]
    .filter(Boolean)
    .join(' · ');

  return (
    <div class="settings">
      <header class="settings-head settings-head-row">
        <div>
          <h1>Agents</h1>
          <p class="muted">{agents ? summary : 'Who can answer your visitors.'}</p>
        </div>
        <button type="button" class="btn btn-primary" onClick={() => setInviting(true)}>
          Invite agent
        </button>
      </header>
      {error && !agents && (
        <p class="signin-error" role="alert">
          {error}
        </p>
      )}
      {agents && (
        <section class="card">
          <div class="agent-row agent-row-head" aria-hidden="true">
            <span>Agent</span>
            <span>Departments</span>
            <span>Role</span>
            <span>Max chats</span>
            <span />
          </div>
          <ul class="agent-list" aria-label="Agents">
            {agents.map((agent) => (
              <AgentRow key={agent.id} agent={agent} />
            ))}
          </ul>
        </section>
      )}
      {inviting && <InviteDialog onClose={() => setInviting(false)} />}
    </div>
  );
}

function AgentRow({ agent }: { agent: AdminAgent }) {
  const isMe = useStore($session)?.agent.id === agent.id;
  const [busy, setBusy] = useState(false);
  const [maxChats, setMaxChats] = useState(agent.maxChats === null ? '' : String(agent.maxChats));

  useEffect(() => setMaxChats(agent.maxChats === null ? '' : String(agent.maxChats)), [agent.maxChats]);

  async function update(patch: AgentPatchRequest, done?: string) {
    setBusy(true);
    try {
      await patchAgent(agent.id, patch);
      if (done) showToast(done, 'success');
    } catch (e) {
      showToast(`${agent.name}: ${adminErrorText(e)}`, 'error');
      setMaxChats(agent.maxChats === null ? '' : String(agent.maxChats));
    } finally {
      setBusy(false);
    }
  }

  function saveMaxChats() {
    const text = maxChats.trim();
    const value = text === '' ? null : Number(text);
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > 1000)) {
      showToast('Max chats: a whole number from 1 to 1000, or empty for no limit.', 'error');
      setMaxChats(agent.maxChats === null ? '' : String(agent.maxChats));
      return;
    }
    if (value !== agent.maxChats) void update({ maxChats: value });
  }

  return (
    <li class={`agent-row${agent.active ? '' : ' agent-deactivated'}`}>
      <div class="agent-who">
        <Avatar name={agent.name} seed={agent.id} />
        <div class="agent-names">
          <strong>
            {agent.name}
            {isMe && <span class="muted"> (you)</span>}
          </strong>
          <span class="muted">{agent.email}</span>
        </div>
        {agent.invited && (
          <span class="badge badge-warn" title="Has not joined yet">
            Invited
          </span>
        )}
        {!agent.active && <span class="badge badge-muted">Deactivated</span>}
      </div>
      <DepartmentsPicker
        name={agent.name}
        chosen={agent.departments}
        disabled={busy}
        onChange={(departments) => void update({ departments })}
      />
      <select
        class="input"
        aria-label="Role"
        value={agent.role}
        disabled={busy || isMe}
        title={isMe ? 'You cannot change your own role' : undefined}
        onChange={(e) =>
          void update(
            { role: e.currentTarget.value as AgentRole },
            `${agent.name} is now ${e.currentTarget.value === 'admin' ? 'an admin' : 'an agent'}.`,
          )
        }
      >
        <option value="agent">Agent</option>
        <option value="admin">Admin</option>
      </select>
      <input
        class="input input-number"
        type="number"
        aria-label="Max chats"
        min={1}
        max={1000}
        step={1}
        placeholder="No limit"
        value={maxChats}
        disabled={busy}
        onInput={(e) => setMaxChats(e.currentTarget.value)}
        onChange={saveMaxChats}
      />
      <div class="agent-actions">
        {agent.active ? (
          <button
            type="button"
            class="btn btn-danger-ghost btn-sm"
            disabled={busy || isMe}
            title={isMe ? 'You cannot deactivate yourself' : undefined}
            onClick={() => void update({ active: false }, `${agent.name} was deactivated and signed out.`)}
          >
            Deactivate
          </button>
        ) : (
          <button
            type="button"
            class="btn btn-secondary btn-sm"
            disabled={busy}
            onClick={() => void update({ active: true }, `${agent.name} can sign in again.`)}
          >
            Reactivate
          </button>
        )}
      </div>
    </li>
  );
}

/** Which department queues the agent serves; none chosen: all of them. */
function DepartmentsPicker({
  name,
  chosen,
  disabled,
  onChange,
}: {
  name: string;
  chosen: readonly string[];
  disabled: boolean;
  onChange: (next: string[]) => void;
}) {
  const live = useStore($departments);
  const site = useStore($adminSite)?.departments ?? live;
  const all = [...new Set([...site, ...chosen])];
  const ref = useRef<HTMLDetailsElement>(null);

  // A menu closes on a click elsewhere and on Escape.
  useEffect(() => {
    const close = (e: Event) => {
      const el = ref.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !el.contains(e.target as Node)) el.open = false;
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', close);
    };
  }, []);

  if (all.length === 0) return <span class="muted small">No departments</span>;
  return (
    <details class="picker" ref={ref}>
      <summary aria-label={`Departments of ${name}`} class="input">
        {chosen.length === 0 ? 'All departments' : chosen.join(', ')}
      </summary>
      <fieldset class="picker-menu" disabled={disabled}>
        <legend class="sr-only">Departments of {name}</legend>
        {all.map((d) => (
          <label class="check" key={d}>
            <input
              type="checkbox"
              checked={chosen.includes(d)}
              onChange={(e) =>
                onChange(e.currentTarget.checked ? [...chosen, d] : chosen.filter((x) => x !== d))
              }
            />
            {d}
          </label>
        ))}
        <p class="muted small">None ticked: all departments.</p>
      </fieldset>
    </details>
  );
}
