/**
 * V8's young generation ("new space", where every object starts) stays at its initial size
 * while the server starts, and grows as usual once it listens.
 *
 * V8 doubles the new space each time as many bytes survived as it holds. Loading the gateway
 * (≈ 800 modules, ≈ 20 MB that all survive) doubles it to its 16 MB × 2 maximum before the
 * first request: ≈ 30 MB of RSS that a fresh, idle server keeps until V8's memory reducer
 * shrinks it 8–25 s later (issue 18, docs/performance.md "Idle RSS at start"). Under load the
 * large nursery is what keeps scavenges rare, so after `listen` the growth factor is V8's
 * default again and the first traffic grows the nursery as before.
 *
 * `--semi-space-growth-factor` is read by V8 each time the new space grows, so setting it at
 * run time takes effect. An operator's own new-space flags (NODE_OPTIONS, node arguments) are
 * left alone. main.ts imports this module statically and the app's modules dynamically, after.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default (`node --v8-options`). */
const V8_DEFAULT_GROWTH_FACTOR = 2;

const operatorSetsNursery = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) =>
  /semi[-_]space/.test(a),
);

if (!operatorSetsNursery) setFlagsFromString('--semi-space-growth-factor=1');

/** From now on the new space grows as V8 decides (call once the server listens). */
export function releaseNursery(): void {
  if (!operatorSetsNursery) setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
}
