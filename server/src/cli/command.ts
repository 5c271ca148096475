/**
 * The shape every `switchboard <command>` has. A command declares its arguments and options
 * (the runner parses them, prints help and maps errors to exit codes) and returns a result
 * that the runner prints as text, or as one JSON object with `--json`.
 */

export type Env = Record<string, string | undefined>;

export interface CliContext {
  /** The environment the command reads its configuration from (DATABASE_URL, DATA_DIR, …). */
  env: Env;
  /** All of standard input, for commands that take a secret there (`--password-stdin`). */
  readStdin: () => Promise<string>;
  /** Progress and warnings: standard error, so `--json` output stays one object. */
  log: (line: string) => void;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Repeatable (`--origin A --origin B`): the value is an array. */
  multiple?: boolean;
  /** Must be given (the runner refuses the invocation without it: exit 2). */
  required?: boolean;
  /** Placeholder in the help, e.g. `sqlite:<path>`. */
  value?: string;
  help: string;
}

export type OptionValue = string | boolean | (string | boolean)[] | undefined;

export interface CommandInput {
  /** The positional arguments, exactly as many as the command declares. */
  args: string[];
  values: Record<string, OptionValue>;
}

export interface CommandResult {
  /** Printed with `--json`. */
  json: Record<string, unknown>;
  /** Printed otherwise (a trailing newline is added). */
  text: string;
}

export interface Command {
  name: string;
  /** One line in `switchboard --help`. */
  summary: string;
  /** Names of the positional arguments, all required, e.g. `['postgres-url']`. */
  args: readonly string[];
  options: Readonly<Record<string, OptionSpec>>;
  /** Paragraphs shown by `switchboard <command> --help`, after the usage line. */
  description: string;
  run(input: CommandInput, ctx: CliContext): Promise<CommandResult>;
}

/** The invocation cannot mean anything (unknown option, missing argument, malformed URL): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A string option's value (the runner has already checked its type). */
export function stringOption(input: CommandInput, name: string): string | undefined {
  const v = input.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(input: CommandInput, name: string): boolean {
  return input.values[name] === true;
}
