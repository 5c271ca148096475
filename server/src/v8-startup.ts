/**
 * Two V8 settings for the start only, V8's defaults again once the server listens (issue 18,
 * docs/performance.md "Idle RSS at start"). Loading the gateway runs ≈ 800 modules once; what
 * V8 does by default to make code run fast many times stays in memory for a fresh, idle server:
 *
 * - The young generation ("new space", where every object starts) stays at its initial size.
 *   V8 doubles it each time as many bytes survived as it holds; ≈ 20 MB of module code and
 *   objects, all surviving, would double it to its 16 MB × 2 maximum before the first request
 *   (≈ 13 MB of RSS until V8's memory reducer shrinks it 8–25 s later).
 * - No TurboFan: optimising start-up code that runs once cost ≈ 10 MB of RSS (compiled code
 *   and the compiler's memory on V8's background threads).
 *
 * Under load both matter (a large nursery keeps scavenges rare; hot paths need optimised
 * code), so `releaseStartupFlags` lifts both after `listen`: the first traffic grows the
 * nursery and optimises the hot functions as before. Both flags are read by V8 each
 * time it grows the new space or decides to optimise, so setting them at run time takes
 * effect. An operator's own flags for either (NODE_OPTIONS, node arguments) are left alone.
 * main.ts imports this module statically and the app's modules dynamically, after it.
 */
import { setFlagsFromString } from 'node:v8';

const operatorFlags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
// An operator's `--max-semi-space-size` only bounds the growth; their own growth factor is
// left alone.
const holdNursery = !/semi[-_]space[-_]growth/.test(operatorFlags);
const holdTurbofan = !/--(no[-_])?(opt|turbofan)\b/.test(operatorFlags);

if (holdNursery) setFlagsFromString('--semi-space-growth-factor=1');
if (holdTurbofan) setFlagsFromString('--no-turbofan');

/**
 * Call once the server listens. TurboFan: V8's default again. The new space: its next growth
 * goes from the initial 1 MB straight to 16 MB (factor 16 instead of 2), V8's maximum unless
 * an operator sets `--max-semi-space-size`. Steady traffic has few survivors, so doubling
 * step by step took the whole 30 s support run and cost ≈ 25 % more CPU per message in
 * scavenges; a server that started before had the maximum from its start, which the first
 * traffic now gives it back.
 */
export function releaseStartupFlags(): void {
  if (holdNursery) setFlagsFromString('--semi-space-growth-factor=16');
  if (holdTurbofan) setFlagsFromString('--turbofan');
}
