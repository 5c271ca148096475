/** The `switchboard` command (server/bin/switchboard.js runs this, built or from source). */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  log: (line) => process.stderr.write(`${line}\n`),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
