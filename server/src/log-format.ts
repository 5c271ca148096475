/**
 * Logs a person can read in a terminal: pino's JSON lines turned into one short line each
 * (`18:47:03.123 INFO  request completed  res.statusCode=200 responseTime=1.2`), an error's
 * stack indented below it. `LOG_FORMAT=auto` (default) does this when stdout is a terminal and
 * writes JSON lines otherwise (a file, journald, a collector); `pretty` and `json` force one.
 */

export type LogFormat = 'auto' | 'pretty' | 'json';

/** Whether the logs are pretty-printed: `auto` follows whether stdout is a terminal. */
export function usePretty(format: LogFormat, isTTY: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY);
}

const LEVELS: Readonly<Record<number, { name: string; color: string }>> = {
  10: { name: 'TRACE', color: '\x1b[90m' },
  20: { name: 'DEBUG', color: '\x1b[36m' },
  30: { name: 'INFO ', color: '\x1b[32m' },
  40: { name: 'WARN ', color: '\x1b[33m' },
  50: { name: 'ERROR', color: '\x1b[31m' },
  60: { name: 'FATAL', color: '\x1b[35m' },
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** pino's own fields, shown in their place or not at all. */
const OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

/** `a.b=1` pairs for nested objects (arrays and long values as JSON, cut at 200 characters). */
function pairs(obj: Record<string, unknown>, prefix: string, out: string[]): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      pairs(v as Record<string, unknown>, `${key}.`, out);
      continue;
    }
    const text =
      typeof v === 'string'
        ? /^[^\s"=]+$/.test(v)
          ? v
          : JSON.stringify(v)
        : typeof v === 'number' && !Number.isInteger(v)
          ? String(Math.round(v * 1000) / 1000)
          : JSON.stringify(v);
    out.push(`${key}=${text.length > 200 ? `${text.slice(0, 199)}…` : text}`);
  }
}

function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** One pino JSON line as a readable line (a line that is not JSON is kept as it is). */
export function formatLogLine(line: string, color: boolean): string {
  let rec: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line.trimEnd();
    rec = parsed as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const level = LEVELS[typeof rec.level === 'number' ? rec.level : 30] ?? {
    name: String(rec.level),
    color: '',
  };
  const time = typeof rec.time === 'number' ? clock(rec.time) : '';
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  const rest: Record<string, unknown> = {};
  let stack: string | null = null;
  for (const [k, v] of Object.entries(rec)) {
    if (OWN.has(k)) continue;
    if (k === 'err' && v !== null && typeof v === 'object') {
      const { stack: s, type: _type, ...errRest } = v as Record<string, unknown>;
      if (typeof s === 'string') stack = s;
      rest.err = errRest;
      continue;
    }
    rest[k] = v;
  }
  const fields: string[] = [];
  pairs(rest, '', fields);
  const head = color
    ? `${DIM}${time}${RESET} ${level.color}${level.name}${RESET} ${msg}`
    : `${time} ${level.name} ${msg}`;
  const tail = fields.length > 0 ? `  ${color ? DIM : ''}${fields.join(' ')}${color ? RESET : ''}` : '';
  const below = stack
    ? `\n${stack
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}`
    : '';
  return `${head}${tail}${below}`;
}

/** A destination for pino that writes each line pretty-printed to `out`. */
export function prettyStream(
  out: { write(s: string): boolean },
  color: boolean,
): { write(s: string): boolean } {
  return {
    write(chunk: string): boolean {
      let ok = true;
      for (const line of chunk.split('\n')) {
        if (line.trim() !== '') ok = out.write(`${formatLogLine(line, color)}\n`) && ok;
      }
      return ok;
    },
  };
}
