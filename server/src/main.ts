/** `node server/dist/main.js`: configuration from the environment, listen, shut down gracefully. */
// V8 settings for the start (v8-startup.ts), in force before the app's modules load: they are
// imported dynamically below, since a static import is loaded and compiled before this runs.
import { releaseStartupFlags } from './v8-startup.js';

async function main(): Promise<void> {
  const [{ buildApp }, { loadConfig }, { DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SITE_ID }] = await Promise.all([
    import('./app.js'),
    import('./config.js'),
    import('./seed.js'),
  ]);
  const config = loadConfig();
  const app = await buildApp({ baseConfig: config, defaultMetrics: true });
  // The demo's accounts and password are public: while they exist, only this machine can reach
  // them unless HOST says otherwise (a server started with SEED=0 never has them).
  const demo = (await app.storage.getSite(DEMO_SITE_ID)) !== null;
  const host = config.host ?? (demo ? '127.0.0.1' : '0.0.0.0');
  await app.listen({ port: config.port, host });
  releaseStartupFlags();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl ?? `${config.tls ? 'https' : 'http'}://localhost:${port}`;
  const lines = [
    `Switchboard listening on ${url}`,
    `  demo shop:     ${url}/demo`,
    `  agent console: ${url}/console`,
  ];
  if (app.setupToken !== null && (await app.storage.isEmpty())) {
    // The token opens first-run setup once; whoever has this terminal has it.
    lines.push(`  first-run setup: ${url}/console?setup=${app.setupToken}`);
  }
  if (demo) {
    lines.push(`  sign in as ${DEMO_ACCOUNTS.map((a) => a.email).join(', ')} — password ${DEMO_PASSWORD}`);
    if (config.host === null) {
      lines.push(
        '  listening on this machine only (127.0.0.1): the demo accounts exist. Set HOST=0.0.0.0 to open it to your network.',
      );
    }
  }
  // A secret goes to a terminal only, never into a log file or a collector (stdout piped).
  if (app.seeded) {
    lines.push(
      process.stdout.isTTY
        ? `  demo site secret (notify API, identity hashes): ${app.seeded.siteSecret}`
        : `  demo site secret: not printed (stdout is not a terminal); it is the "secret" column of site "demo" in ${config.databaseUrl}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal }, 'shutting down: committing queued messages and closing sockets (4503)');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`Switchboard failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
