import { useStore } from '@nanostores/preact';
import type { AdminAgent, ApiReport } from '@switchboard/protocol';
import { useEffect, useState } from 'preact/hooks';
import { adminApi, adminErrorText, integrationsApi } from '../client/admin-api.js';
import { $session } from '../stores/session.js';
import { FormError } from './Field.js';

const DAY = 86_400_000;
const RANGES = [
  { days: 1, label: 'Last 24 hours' },
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
];

/** "1 min 20 s", "45 s", "2 h 5 min"; an em dash when there is nothing to average. */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** Reports (admins): the site's figures over a range, for the team or one agent (`/api/v1/…/reports`). */
export function Reports() {
  const session = useStore($session);
  const site = session?.agent.siteId ?? '';
  const [days, setDays] = useState(30);
  const [agentId, setAgentId] = useState('');
  const [agents, setAgents] = useState<AdminAgent[]>([]);
  const [report, setReport] = useState<ApiReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    adminApi.agents(site).then(setAgents, () => setAgents([]));
  }, [site]);
  useEffect(() => {
    let live = true;
    const to = Date.now();
    setError(null);
    integrationsApi.report(site, { from: to - days * DAY, to, ...(agentId ? { agentId } : {}) }).then(
      (r) => live && setReport(r),
      (e: unknown) => live && setError(adminErrorText(e)),
    );
    return () => {
      live = false;
    };
  }, [site, days, agentId]);

  const max = Math.max(1, ...(report?.csat.distribution ?? []));
  return (
    <div class="page page-single">
      <main class="page-main">
        <div class="settings reports">
          <header class="settings-head">
            <h1>Reports</h1>
            <p class="muted">Conversations started in the range, and the ratings given in it.</p>
          </header>
          <div class="report-filters">
            <label class="field">
              <span>Range</span>
              <select value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
                {RANGES.map((r) => (
                  <option key={r.days} value={r.days}>
                    {r.label}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>Agent</span>
              <select value={agentId} onChange={(e) => setAgentId(e.currentTarget.value)}>
                <option value="">Whole team</option>
                {agents.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <FormError error={error} />
          {report && (
            <>
              <dl class="report-cards">
                <Figure label="Conversations" value={String(report.conversations)} />
                <Figure label="Closed" value={String(report.closed)} />
                <Figure label="First response" value={duration(report.firstResponseMs)} />
                <Figure label="Wait time" value={duration(report.waitMs)} />
                <Figure label="Handle time" value={duration(report.handleMs)} />
                <Figure
                  label="CSAT"
                  value={report.csat.average === null ? '—' : `${report.csat.average.toFixed(2)} / 5`}
                />
              </dl>
              <section class="report-csat" aria-labelledby="csat-h">
                <h2 id="csat-h">Ratings ({report.csat.count})</h2>
                <ul class="bars" aria-label="Ratings by score">
                  {report.csat.distribution
                    .map((n, i) => ({ n, score: i + 1 }))
                    .reverse()
                    .map(({ n, score }) => (
                      <li key={score}>
                        <span class="bar-label">{score} ★</span>
                        <span class="bar-track" aria-hidden="true">
                          <span class="bar" style={{ width: `${(n / max) * 100}%` }} />
                        </span>
                        <span class="bar-n">
                          {n} rated {score}/5
                        </span>
                      </li>
                    ))}
                </ul>
              </section>
            </>
          )}
        </div>
      </main>
    </div>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div class="report-card">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
