import { useStore } from '@nanostores/preact';
import type { AgentInfo, ConversationSummary } from '@switchboard/protocol';
import { useRef, useState } from 'preact/hooks';
import { transfer } from '../client/client.js';
import { trapTab, useModal } from '../lib/modal.js';
import { $teammates } from '../stores/agents.js';
import { $departments } from '../stores/departments.js';

const GROUPS: ReadonlyArray<{ status: AgentInfo['status']; label: string }> = [
  { status: 'online', label: 'Online' },
  { status: 'away', label: 'Away' },
  { status: 'offline', label: 'Offline' },
];

/** Give the conversation to another agent (at once) or back to a department queue, with a note. */
export function TransferDialog({
  conversation,
  onClose,
}: {
  conversation: ConversationSummary;
  onClose: () => void;
}) {
  const teammates = useStore($teammates);
  const departments = useStore($departments);
  const dialog = useRef<HTMLDialogElement>(null);
  const [agentId, setAgentId] = useState('');
  const [department, setDepartment] = useState('');
  const [note, setNote] = useState('');
  const candidates = teammates.filter((a) => a.id !== conversation.agent?.id);
  const chosen = candidates.find((a) => a.id === agentId);

  useModal(dialog);

  function submit(e: Event) {
    e.preventDefault();
    if (!agentId && !department) return;
    const target: { toAgentId?: string; department?: string; note?: string } = {};
    if (agentId) target.toAgentId = agentId;
    if (department) target.department = department;
    if (note.trim()) target.note = note.trim();
    transfer(conversation.id, target, chosen?.name ?? department);
    onClose();
  }

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="transfer-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (dialog.current) trapTab(e, dialog.current);
      }}
      onClick={(e) => {
        if (e.target === dialog.current) onClose(); // backdrop click
      }}
    >
      <form class="dialog-body" onSubmit={submit}>
        <h2 id="transfer-title">Transfer conversation</h2>
        <p class="dialog-hint">The new agent gets it at once. Your note is shown to agents only.</p>
        <label class="field">
          <span>Agent</span>
          <select value={agentId} onChange={(e) => setAgentId(e.currentTarget.value)}>
            <option value="">—</option>
            {GROUPS.map((g) => {
              const group = candidates.filter((a) => a.status === g.status);
              return group.length ? (
                <optgroup key={g.status} label={g.label}>
                  {group.map((a) => (
                    <option key={a.id} value={a.id}>
                      {`${a.name} (${a.email})`}
                    </option>
                  ))}
                </optgroup>
              ) : null;
            })}
          </select>
        </label>
        {chosen && chosen.status !== 'online' && (
          <p class="dialog-warn">
            {chosen.name} is {chosen.status} — they may not answer right away.
          </p>
        )}
        <label class="field">
          <span>Department</span>
          <select value={department} onChange={(e) => setDepartment(e.currentTarget.value)}>
            <option value="">—</option>
            {departments.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Note</span>
          <textarea
            rows={3}
            value={note}
            placeholder="Context for the next agent (optional)"
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        </label>
        <div class="dialog-actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={!agentId && !department}>
            Transfer
          </button>
        </div>
      </form>
    </dialog>
  );
}
