import { useStore } from '@nanostores/preact';
import type { Route } from '../../stores/route.js';
import { hrefOf } from '../../stores/route.js';
import { $session } from '../../stores/session.js';
import { CannedManager } from '../CannedManager.js';
import { AgentsSettings } from './AgentsSettings.js';
import { AuditLog } from './AuditLog.js';
import { BlockedSettings } from './BlockedSettings.js';
import { IntegrationsSettings } from './IntegrationsSettings.js';
import { ProactiveSettings } from './ProactiveSettings.js';
import { SiteSettings } from './SiteSettings.js';

const SECTIONS: ReadonlyArray<{ route: Route; label: string; hint: string }> = [
  { route: 'settings/site', label: 'Site', hint: 'Widget, origins, snippet, secret' },
  { route: 'settings/agents', label: 'Agents', hint: 'Invite, roles, capacity' },
  { route: 'settings/canned', label: 'Canned responses', hint: 'Saved answers for /shortcuts' },
  { route: 'settings/proactive', label: 'Proactive messages', hint: 'Say hello first, by page or visitor' },
  { route: 'settings/integrations', label: 'Integrations', hint: 'Webhooks, API keys' },
  { route: 'settings/blocked', label: 'Blocked visitors', hint: 'Who was blocked, unblock' },
  { route: 'settings/audit', label: 'Audit log', hint: 'Who changed what, when' },
];

/** Settings (admins): a section list on the left, the section on the right. */
export function Settings({ route }: { route: Route }) {
  return (
    <div class="page">
      <nav class="page-nav" aria-label="Settings">
        <h2 class="side-title">Settings</h2>
        {SECTIONS.map((s) => (
          <a
            key={s.route}
            href={hrefOf(s.route)}
            class={`page-nav-link${route === s.route ? ' is-current' : ''}`}
            aria-current={route === s.route ? 'page' : undefined}
          >
            <span class="page-nav-label">{s.label}</span>
            <span class="page-nav-hint" aria-hidden="true">
              {s.hint}
            </span>
          </a>
        ))}
      </nav>
      <main class="page-main">
        {route === 'settings/agents' ? (
          <AgentsSettings />
        ) : route === 'settings/integrations' ? (
          <IntegrationsSettings />
        ) : route === 'settings/canned' ? (
          <CannedSettings />
        ) : route === 'settings/proactive' ? (
          <ProactiveSettings />
        ) : route === 'settings/blocked' ? (
          <BlockedSettings />
        ) : route === 'settings/audit' ? (
          <AuditLog />
        ) : (
          <SiteSettings />
        )}
      </main>
    </div>
  );
}

function CannedSettings() {
  const site = useStore($session)?.agent.siteId;
  if (!site) return null;
  return (
    <div class="settings">
      <header class="settings-head">
        <h1>Canned responses</h1>
        <p class="muted">Answers every agent of this site can insert with a /shortcut.</p>
      </header>
      <CannedManager key={site} site={site} personal={false} />
    </div>
  );
}
