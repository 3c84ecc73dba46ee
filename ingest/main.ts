/** Standalone ingest: `npm run ingest`. Owns env, signals and exit codes (STYLE.md rule 5). */

import { collectDefaultMetrics, Registry } from 'prom-client';
import { influxConfigFrom, loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { createOpsServer } from '../shared/ops-server.ts';
import { runMain, stopOnSignals } from '../shared/run-service.ts';
import { createStore } from '../shared/store/create-store.ts';
import { storeDegraded } from '../shared/store/history-store.ts';
import { ingestConfigFrom, ingestEnvSchema } from './config.ts';
import { createIngest } from './create-ingest.ts';

runMain('ingest', async () => {
  const env = loadConfig(ingestEnvSchema, process.env, 'ingest');
  const log = createLogger('ingest', { level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const store = createStore(influxConfigFrom(env, 'ingest'), {
    logger: log.child({ component: 'store' }),
    metrics,
  });
  await store.start();
  const ingest = createIngest(ingestConfigFrom(env), { store, logger: log, metrics });
  await ingest.start();
  // /metrics and /healthz (README "Monitoring"): unhealthy without MQTT; degraded (still 200)
  // while writes wait in the disk spool or InfluxDB has not been reached since start, since
  // nothing is lost.
  const ops = createOpsServer({
    port: env.OPS_PORT,
    host: env.OPS_HOST,
    token: env.METRICS_TOKEN,
    registry: metrics,
    logger: log,
    health: () => {
      const stats = store.stats();
      const mqtt = ingest.connected();
      return { ok: mqtt, status: mqtt && !storeDegraded(stats) ? 'ok' : 'degraded', mqtt, store: stats };
    },
  });
  if (env.OPS_PORT) await ops.start();
  stopOnSignals(log, 'ingest', async () => {
    await ops.stop();
    await ingest.stop();
    await store.close();
  });
});
