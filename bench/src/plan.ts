/** The default plan and the --quick smoke plan. Every count and duration is bounded here. */
import type {
  BurstConfig,
  IdleConfig,
  LighthouseConfig,
  ScenarioName,
  StormConfig,
  SupportConfig,
  WidgetConfig,
  WidgetLoadConfig,
} from './types.js';

export interface Plan {
  idle: IdleConfig;
  support: SupportConfig;
  burst: BurstConfig;
  storm: StormConfig;
  widget: Omit<WidgetConfig, 'widgetPath'>;
  widgetLoad: WidgetLoadConfig;
  lighthouse: LighthouseConfig;
}

const traffic = { replyEvery: 50, agentReplyPerSec: 0.8, inFlight: 100 };

export function defaultPlan(): Plan {
  return {
    idle: { scenario: 'idle', steps: [1000, 5000, 10_000], inFlight: 100 },
    support: {
      scenario: 'support',
      ...traffic,
      visitors: 1000,
      agents: 20,
      rate: 1000,
      durationMs: 30_000,
      drainMs: 5000,
    },
    burst: {
      scenario: 'burst',
      ...traffic,
      visitors: 1000,
      agents: 20,
      // 5 000 / 1.5² so that the ladder hits the reference rate exactly.
      startRate: 5000 / 2.25,
      factor: 1.5,
      referenceRate: 5000,
      maxRate: 40_000,
      maxLadderSteps: 7,
      bisections: 3,
      stepMs: 5000,
      p99LimitMs: 100,
      drainMs: 3000,
    },
    storm: {
      scenario: 'reconnect-storm',
      ...traffic,
      visitors: 2000,
      agents: 20,
      rate: 400,
      beforeKillMs: 3000,
      backWithinMs: 60_000,
      afterBackMs: 3000,
      drainMs: 20_000,
    },
    widget: { scenario: 'widget', loads: 20, timeoutMs: 15_000 },
    widgetLoad: { scenario: 'widget-load', loads: 15, timeoutMs: 15_000, launcherTimeoutMs: 5000 },
    lighthouse: { scenario: 'lighthouse', runs: 3, runTimeoutMs: 120_000 },
  };
}

export function quickPlan(): Plan {
  const d = defaultPlan();
  return {
    idle: { ...d.idle, steps: [200, 500, 1000] },
    support: { ...d.support, visitors: 200, agents: 5, rate: 200, durationMs: 5000, drainMs: 3000 },
    burst: {
      ...d.burst,
      visitors: 200,
      agents: 5,
      startRate: 1000,
      factor: 2,
      referenceRate: 2000,
      maxLadderSteps: 3,
      bisections: 1,
      stepMs: 2000,
      drainMs: 2000,
    },
    storm: {
      ...d.storm,
      visitors: 200,
      agents: 5,
      rate: 100,
      beforeKillMs: 1500,
      afterBackMs: 1000,
      drainMs: 10_000,
    },
    widget: { ...d.widget, loads: 3 },
    widgetLoad: { ...d.widgetLoad, loads: 3 },
    lighthouse: { ...d.lighthouse, runs: 1 },
  };
}

export const ALL_SCENARIOS: readonly ScenarioName[] = [
  'idle',
  'support',
  'burst',
  'reconnect-storm',
  'widget',
  'widget-load',
  'lighthouse',
];
