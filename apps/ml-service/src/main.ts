import { AppConfig, ConfigValidationError, loadConfig } from '@app/config';
import { EmbeddedPostgres, startEmbeddedPostgres } from '@app/database';
import { createApp } from './bootstrap';
import { drainAndClose } from './drain';

/**
 * Boot: validate config (a bad value stops here, named), start embedded PGlite when no
 * DATABASE_URL is set, build the app, listen. SIGTERM/SIGINT: stop accepting, finish in-flight
 * requests, flush the prediction log and histograms, close the database, exit.
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`Configuration error, not starting:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw err;
  }
  let embedded: EmbeddedPostgres | null = null;
  if (!config.DATABASE_URL) {
    embedded = await startEmbeddedPostgres(config.DATA_DIR, config.DATABASE_POOL_SIZE);
    config.DATABASE_URL = embedded.url;
    process.stdout.write(`No DATABASE_URL: using embedded PGlite in ${embedded.dataDir} (${embedded.url})\n`);
  }
  const app = await createApp(config);
  await app.listen(config.PORT, '0.0.0.0');
  process.stdout.write(`ml-service listening on http://localhost:${config.PORT} (instance ${config.INSTANCE_ID})\n`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stdout.write(`${signal}: draining\n`);
    await drainAndClose(app);
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`ml-service failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
