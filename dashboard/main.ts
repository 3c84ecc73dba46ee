/**
 * Standalone dashboard: `npm run dashboard`. The only file here that reads process.env and owns
 * signals and exit codes (STYLE.md rules 4-5): bad config or a failed start exit 1, a clean stop 0.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { influxConfigFrom } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { runMain, stopOnSignals } from '../shared/run-service.ts';
import { createStore } from '../shared/store/create-store.ts';
import { loadDashboardConfig } from './config.ts';
import { createDashboard } from './create-dashboard.ts';

async function main(): Promise<void> {
  const config = loadDashboardConfig(process.env);
  const logger = createLogger('dashboard', { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  // The store's metrics (backlog, spool, write failures) belong on the dashboard's /metrics too.
  const store = createStore(influxConfigFrom(config, 'dashboard'), {
    logger: logger.child({ component: 'store' }),
    metrics,
  });
  await store.start();
  logger.info({ store: store.describe() }, 'history store ready');
  const dashboard = createDashboard(config, { store, logger, metrics });
  const { url } = await dashboard.start();
  logger.info(`dashboard at ${url}`);

  stopOnSignals(logger, 'dashboard', async () => {
    await dashboard.stop();
    await store.close();
  });
}

runMain('dashboard', main);
