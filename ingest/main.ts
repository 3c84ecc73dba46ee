/** Standalone ingest: `npm run ingest`. Owns env, signals and exit codes (STYLE.md rule 5). */
import { ConfigError, influxConfigFrom, loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { createStore } from '../shared/store/create-store.ts';
import { ingestConfigFrom, ingestEnvSchema } from './config.ts';
import { createIngest } from './create-ingest.ts';

async function main(): Promise<void> {
  const env = loadConfig(ingestEnvSchema, process.env, 'ingest');
  const log = createLogger('ingest', { level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  const store = createStore(influxConfigFrom(env), { logger: log.child({ component: 'store' }) });
  await store.start();
  const ingest = createIngest(ingestConfigFrom(env), { store, logger: log });
  await ingest.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await ingest.stop();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
