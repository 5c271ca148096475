/** Shapes shared by the orchestrator (main.ts) and the load generator (loadgen.ts). */

/** `switchboard-2n`: two Switchboard nodes on one PostgreSQL and one Redis (visitors on A, agents on B). */
export type ServerKind = 'switchboard' | 'switchboard-2n' | 'socketio' | 'ws-relay';
export type ScenarioName =
  | 'idle'
  | 'support'
  | 'burst'
  | 'reconnect-storm'
  | 'widget'
  | 'widget-load'
  | 'lighthouse';

export interface Target {
  kind: ServerKind;
  /** http://127.0.0.1:port */
  url: string;
  /** PID of the server process itself (for /proc/<pid>). */
  pid: number;
  /** Switchboard: how many bench-agent-NN accounts the orchestrator seeded (0 = share the demo ones). */
  seededAgents: number;
  /** switchboard-2n: node B (agents log in and connect there; visitors stay on `url`, node A). */
  agentUrl?: string;
  /** Switchboard: the clients offer permessage-deflate (as browsers do), `--ws-deflate`. */
  offerDeflate?: boolean;
  /** Further server processes whose CPU and RSS count as the server's (node B). */
  extraPids?: number[];
}

export interface IdleConfig {
  scenario: 'idle';
  steps: number[];
  inFlight: number;
}

export interface TrafficConfig {
  visitors: number;
  agents: number;
  /** An agent replies to a visitor message when n % replyEvery = 0 (and its reply bucket allows). */
  replyEvery: number;
  /** Upper bound for an agent's reply rate (per agent, per second) — Switchboard's agent bucket is 1/s. */
  agentReplyPerSec: number;
  inFlight: number;
  drainMs: number;
}

export interface SupportConfig extends TrafficConfig {
  scenario: 'support';
  /** Total visitor messages per second (1 per visitor per second). */
  rate: number;
  durationMs: number;
}

export interface BurstConfig extends TrafficConfig {
  scenario: 'burst';
  startRate: number;
  factor: number;
  /** The rate whose p99 is compared between servers (always run). */
  referenceRate: number;
  maxRate: number;
  maxLadderSteps: number;
  bisections: number;
  stepMs: number;
  p99LimitMs: number;
}

export interface StormConfig extends TrafficConfig {
  scenario: 'reconnect-storm';
  /** Total message rate while the storm runs (visitors keep typing). */
  rate: number;
  /** Traffic before the kill. */
  beforeKillMs: number;
  /** Bound on "everybody back" after the server is up again. */
  backWithinMs: number;
  /** Traffic after everybody is back, before the final drain. */
  afterBackMs: number;
}

export interface WidgetConfig {
  scenario: 'widget';
  loads: number;
  widgetPath: string;
  timeoutMs: number;
}

export interface WidgetLoadConfig {
  scenario: 'widget-load';
  /** Page loads per case (up, down, hang) and variant (with, without the widget). */
  loads: number;
  timeoutMs: number;
  /** How long to wait for the launcher after `load` (with the widget). */
  launcherTimeoutMs: number;
}

export interface LighthouseConfig {
  scenario: 'lighthouse';
  /** Lighthouse runs per variant (with, without the widget). */
  runs: number;
  runTimeoutMs: number;
}

export type ScenarioConfig =
  | IdleConfig
  | SupportConfig
  | BurstConfig
  | StormConfig
  | WidgetConfig
  | WidgetLoadConfig
  | LighthouseConfig;

/** Delivery and latency of one traffic window (a support run or one burst step). */
export interface TrafficStats {
  /**
   * support only, when `lost` > 0: messages of the window still not at their agent after a
   * further bounded wait (LATE_GRACE_MS) — tells a late delivery from a real loss.
   */
  stillMissingAfterGrace?: number;
  rate: number;
  durationMs: number;
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  echoDelivered: number;
  echoLost: number;
  refused: number;
  errors: Record<string, number>;
  replies: number;
  repliesDelivered: number;
  latency: { p50: number; p95: number; p99: number; max: number; count: number };
  replyLatencyP99: number;
  /** How late the generator sent messages against its schedule. */
  scheduleLagP99Ms: number;
  scheduleLagMaxMs: number;
  keptSchedule: boolean;
  serverCpu: number;
  generatorCpu: number;
  serverCpuUsPerMsg: number;
  rssKB: number;
  /** Frames the generator received per visitor message sent, by type (Switchboard only). */
  framesPerMessage?: Record<string, number>;
}

export interface IdleResult {
  steps: Array<{
    n: number;
    rssKB: number;
    rssPerConnKB: number;
    connectPerSec: number;
    /** The server's CPU over this step's joins (all its threads, from /proc), per join. */
    cpuUsPerJoin: number;
    failed: number;
  }>;
  baseRssKB: number;
  marginalKB: number;
  marginalFrom: number;
  marginalTo: number;
  /** Marginal between the first two steps (the reference table's 1 000 → 5 000). */
  marginalLowKB: number;
  connectPerSec: number;
  /**
   * The server's CPU per join over the connect phases only (not the RSS waits). While the
   * server is the bottleneck the rate follows it, with less of the machine's noise.
   */
  cpuUsPerJoin: number;
  held: number;
}

export interface SupportResult {
  stats: TrafficStats;
}

export interface BurstStep extends TrafficStats {
  pass: boolean;
  reason: string;
}

export interface BurstResult {
  steps: BurstStep[];
  knee: number;
  ranOut: string;
  p99AtReference: number | null;
  referenceRate: number;
}

export interface StormResult {
  visitors: number;
  backAfterUpMs: number | null;
  backAfterKillMs: number | null;
  downMs: number;
  allBack: boolean;
  back: number;
  /** Peak over any 1 s window after the kill (includes refused attempts while the server is down). */
  peakAttemptsPerSec: number;
  /** Peak over any 1 s window once the server is up again. */
  peakAttemptsPerSecAfterUp: number;
  attempts: number;
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  unacked: number;
  errors: Record<string, number>;
}

export interface WidgetResult {
  skipped: string | null;
  rawBytes: number | null;
  /** widget.js.gz as the build wrote it (what the server sends for gzip), else gzip -9. */
  gzipBytes: number | null;
  /** widget.js.br as the build wrote it, else brotli quality 11. Absent in lines before the one file. */
  brotliBytes?: number | null;
  compressedFrom?: string;
  loads: number;
  launcherMedianMs: number | null;
  connectedMedianMs: number | null;
  launcherFromNavMedianMs: number | null;
  failures: number;
  note: string;
}

/** The Switchboard origin: answering, resetting every request but widget.js, or holding them. */
export type LoadCase = 'up' | 'down' | 'hang';

/** One embed of the widget in one case; medians over its loads. */
export interface EmbedLoadResult {
  /** `loadEventStart` (ms since navigation start). */
  loadMs: number | null;
  /** loadMs / the same case's loadWithoutMs. */
  loadRatio: number | null;
  fcpMs: number | null;
  /** widget.js fetch, resource timing startTime → responseEnd (through the fault proxy when down/hang). */
  scriptFetchMs: number | null;
  /** widget.js responseEnd → launcher visible. */
  scriptToLauncherMs: number | null;
  /** First contentful paint → launcher visible (the widget boots after the first paint). */
  fcpToLauncherMs: number | null;
  /** Loads where the launcher showed / loads. */
  launcherShown: string;
  /** Requests to the Switchboard origin besides widget.js until the launcher showed (WebSockets included). */
  switchboardRequests: number | null;
  loads: number;
}

export interface LoadCaseResult {
  loadWithoutMs: number | null;
  fcpWithoutMs: number | null;
  loadsWithout: number;
  /** The embed snippet, first visit: connects when the panel opens. */
  firstVisit: EmbedLoadResult;
  /** With `data-user-id` (a signed-in shopper): connects at boot. */
  signedIn: EmbedLoadResult;
  failures: number;
}

export interface WidgetLoadResult {
  skipped: string | null;
  loadsPerVariant: number;
  cases: Partial<Record<LoadCase, LoadCaseResult>>;
  note: string;
}

export interface LighthouseSummary {
  runs: number;
  /** Medians over the runs. */
  score: number;
  lcpMs: number;
  tbtMs: number;
  fcpMs: number;
  transferBytes: number;
  /** LCP as observed in the unthrottled trace (the simulation starts from it). */
  observedLcpMs: number | null;
  /** widget.js: bytes transferred and main-thread ms (scripting + parse/compile), unthrottled. */
  widgetTransferBytes: number | null;
  widgetCpuMs: number | null;
  /** Each run's score. */
  scores: number[];
}

export interface LighthouseResult {
  /** Set when Lighthouse could not run or a variant has no successful run. */
  error: string | null;
  version?: string;
  settings: string;
  runsPerVariant: number;
  with: LighthouseSummary | null;
  without: LighthouseSummary | null;
  /** Every failed run, as "variant run N: message". */
  errors: string[];
}

export type ScenarioResult =
  | { scenario: 'idle'; data: IdleResult }
  | { scenario: 'support'; data: SupportResult }
  | { scenario: 'burst'; data: BurstResult }
  | { scenario: 'reconnect-storm'; data: StormResult }
  | { scenario: 'widget'; data: WidgetResult }
  | { scenario: 'widget-load'; data: WidgetLoadResult }
  | { scenario: 'lighthouse'; data: LighthouseResult };

/** Orchestrator → load generator. */
export type ToLoadgen =
  | { type: 'start'; config: ScenarioConfig; target: Target }
  | { type: 'server-restarted'; pid: number; killedAt: number; upAt: number };

/** Load generator → orchestrator. */
export type FromLoadgen =
  | { type: 'log'; text: string }
  | { type: 'kill-now' }
  | { type: 'result'; result: ScenarioResult }
  | { type: 'failed'; error: string };
