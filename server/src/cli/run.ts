/**
 * `switchboard <command> [args] [--json]`: the command table, help, argument parsing and exit
 * codes (0 done, 1 failed, 2 usage error; the reason on stderr). `main.ts` calls it with the
 * process's streams; tests call it directly.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ADMIN_COMMANDS } from './admin.js';
import { backupCommand } from './backup.js';
import {
  type CliContext,
  type Command,
  type CommandInput,
  type OptionSpec,
  type OptionValue,
  UsageError,
} from './command.js';
import { migrateToCommand } from './migrate-to.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [...ADMIN_COMMANDS, migrateToCommand, backupCommand];

export interface CliIo extends CliContext {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', help: 'print the result as one JSON object on stdout' },
  help: { type: 'boolean', help: 'show this help' },
};

function optionLabel(name: string, o: OptionSpec): string {
  return `--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
}

function usageLine(c: Command): string {
  const opts = Object.entries(c.options).map(([name, o]) => {
    const label = o.required ? optionLabel(name, o) : `[${optionLabel(name, o)}]`;
    return `${label}${o.multiple ? '…' : ''}`;
  });
  return ['switchboard', c.name, ...c.args.map((a) => `<${a}>`), ...opts, '[--json]'].join(' ');
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: switchboard <command> [arguments] [--json]',
    '',
    'Runs on the same configuration as the server (DATABASE_URL, DATA_DIR, … from the environment).',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'switchboard <command> --help' for a command's arguments.",
    'Exit codes: 0 done, 1 failed, 2 usage error (the reason on stderr).',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const labels = Object.entries({ ...c.options, ...COMMON_OPTIONS }).map(
    ([name, o]) => [optionLabel(name, o), o.help] as const,
  );
  const width = Math.max(...labels.map(([l]) => l.length));
  return [
    `Usage: ${usageLine(c)}`,
    '',
    c.summary,
    '',
    c.description,
    '',
    'Options:',
    ...labels.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`),
  ].join('\n');
}

function parse(c: Command, argv: readonly string[]): CommandInput & { json: boolean; help: boolean } {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries({ ...c.options, ...COMMON_OPTIONS })) {
    options[name] = { type: o.type, multiple: o.multiple === true };
  }
  let parsed: { values: Record<string, OptionValue>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  if (!help) {
    const missing = Object.entries(c.options).filter(([name, o]) => o.required && values[name] === undefined);
    if (missing.length > 0) throw new UsageError(missing.map(([name]) => `--${name} is required`).join('; '));
  }
  if (!help && positionals.length !== c.args.length) {
    const want = c.args.map((a) => `<${a}>`).join(' ') || 'no arguments';
    throw new UsageError(
      positionals.length < c.args.length
        ? `missing ${c.args
            .slice(positionals.length)
            .map((a) => `<${a}>`)
            .join(' ')}`
        : `too many arguments (expected ${want}): ${positionals.slice(c.args.length).join(' ')}`,
    );
  }
  return { args: positionals, values, json: values.json === true, help };
}

/** Runs one invocation and returns the exit code; writes only through `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(`${overview()}\n`);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    io.stdout(`${topic ? commandHelp(topic) : overview()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(
      `switchboard: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (switchboard --help)\n`,
    );
    return EXIT_USAGE;
  }
  try {
    const input = parse(command, rest);
    if (input.help) {
      io.stdout(`${commandHelp(command)}\n`);
      return EXIT_OK;
    }
    const result = await command.run(input, io);
    io.stdout(input.json ? `${JSON.stringify(result.json)}\n` : `${result.text}\n`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`switchboard ${command.name}: ${err.message}\nUsage: ${usageLine(command)}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`switchboard ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
}
