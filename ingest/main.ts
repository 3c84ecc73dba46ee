/** Standalone ingest: `npm run ingest`. Owns env, signals and exit codes (STYLE.md rule 5). */
import { influxConfigFrom, loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { runMain, stopOnSignals } from '../shared/run-service.ts';
import { createStore } from '../shared/store/create-store.ts';
import { ingestConfigFrom, ingestEnvSchema } from './config.ts';
import { createIngest } from './create-ingest.ts';

runMain('ingest', async () => {
  const env = loadConfig(ingestEnvSchema, process.env, 'ingest');
  const log = createLogger('ingest', { level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  const store = createStore(influxConfigFrom(env), { logger: log.child({ component: 'store' }) });
  await store.start();
  const ingest = createIngest(ingestConfigFrom(env), { store, logger: log });
  await ingest.start();
  stopOnSignals(log, 'ingest', async () => {
    await ingest.stop();
    await store.close();
  });
});
