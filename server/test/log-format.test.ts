/** Terminal logs: pino JSON lines read as one short line each; JSON lines stay JSON off a terminal. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { formatLogLine, prettyStream, usePretty } from '../src/log-format.js';

const at = new Date(2026, 11, 6, 18, 47, 3, 123).getTime();

describe('pretty logs', () => {
  it('one line: time, level, message, then the fields flattened', () => {
    const line = JSON.stringify({
      level: 30,
      time: at,
      pid: 1,
      hostname: 'h',
      reqId: 'req-1',
      res: { statusCode: 200 },
      responseTime: 1.53349,
      msg: 'request completed',
      note: 'two words',
    });
    expect(formatLogLine(line, false)).toBe(
      '18:47:03.123 INFO  request completed  reqId=req-1 res.statusCode=200 responseTime=1.533 note="two words"',
    );
  });

  it('an error: its message in the fields, its stack indented below; colours when asked', () => {
    const line = JSON.stringify({
      level: 50,
      time: at,
      msg: 'request failed',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' },
    });
    expect(formatLogLine(line, false)).toBe(
      '18:47:03.123 ERROR request failed  err.message=boom\n    Error: boom\n        at f (x.js:1:1)',
    );
    expect(formatLogLine(line, true)).toContain('\x1b[31mERROR\x1b[0m');
  });

  it('keeps a line that is not JSON as it is, and writes each line of a chunk', () => {
    expect(formatLogLine('plain text', false)).toBe('plain text');
    const out: string[] = [];
    const stream = prettyStream({ write: (s) => out.push(s) > 0 }, false);
    stream.write(
      `${JSON.stringify({ level: 40, time: at, msg: 'a' })}\n${JSON.stringify({ level: 30, time: at, msg: 'b' })}\n`,
    );
    expect(out).toEqual(['18:47:03.123 WARN  a\n', '18:47:03.123 INFO  b\n']);
  });

  it('LOG_FORMAT: auto follows the terminal, pretty and json force; anything else is refused', () => {
    expect(usePretty('auto', true)).toBe(true);
    expect(usePretty('auto', false)).toBe(false);
    expect(usePretty('pretty', false)).toBe(true);
    expect(usePretty('json', true)).toBe(false);
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'fancy' })).toThrow('LOG_FORMAT must be one of auto, pretty, json');
  });
});
