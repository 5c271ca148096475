/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time and self
 * time per package / server file. Usage:
 *   node --import tsx bench/src/profile-summary.ts bench/results/profiles/<file>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  if (url === '') return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1] ?? url;
  const own = /\/(server|protocol)\/(?:dist|src)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const f = n.callFrame;
    const place = where(f.url);
    const key = `${f.functionName || '(anonymous)'}  ${place}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    places.set(place, (places.get(place) ?? 0) + us);
  }
  const idle = [...fns.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1)}%`;
  const lines: string[] = [];
  lines.push(
    `profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy time)`,
  );
  lines.push('', '| self time | function | where |', '|---:|---|---|');
  for (const [k, us] of [...fns.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    const [fn, at] = k.split('  ');
    lines.push(`| ${pct(us)} | ${fn} | ${at ?? ''} |`);
  }
  lines.push('', '| self time | package / file |', '|---:|---|');
  for (const [p, us] of [...places.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (p === '(native/V8)') {
      lines.push(`| ${pct(us - idle)} | (native/V8: GC, program, idle excluded) |`);
      continue;
    }
    lines.push(`| ${pct(us)} | ${p} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: profile-summary <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(
    `${summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(process.argv[3] ?? 25))}\n`,
  );
}
