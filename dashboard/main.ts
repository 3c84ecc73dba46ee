/**
 * Standalone dashboard: `npm run dashboard`. The only file here that reads process.env and owns
 * signals and exit codes (STYLE.md rules 4-5): bad config or a failed start exit 1, a clean stop 0.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError, influxConfigFrom } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { createStore } from '../shared/store/create-store.ts';
import { loadDashboardConfig } from './config.ts';
import { createDashboard } from './create-dashboard.ts';

async function main(): Promise<void> {
  const config = loadDashboardConfig(process.env);
  const logger = createLogger('dashboard', { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const store = createStore(influxConfigFrom(config), { logger: logger.child({ component: 'store' }) });
  await store.start();
  logger.info({ store: store.describe() }, 'history store ready');
  const dashboard = createDashboard(config, { store, logger, metrics });
  const { url } = await dashboard.start();
  logger.info(`dashboard at ${url}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping dashboard');
    dashboard
      .stop()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'dashboard did not stop cleanly');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : ['dashboard failed to start:', err]);
  process.exit(1);
});
