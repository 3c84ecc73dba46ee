/**
 * The whole system in one process: broker, history store, ingest, dashboard and (optionally) the
 * simulated Batam fleet. Used by `npm start` (main.ts) and by the cross-service tests, so both run
 * exactly the same composition. The services still talk to each other only over MQTT and HTTP,
 * as they do when deployed separately (docker-compose.yml).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadBrokerConfig } from './broker/config.ts';
import { type Broker, createBroker } from './broker/create-broker.ts';
import { loadDashboardConfig } from './dashboard/config.ts';
import { createDashboard, type Dashboard } from './dashboard/create-dashboard.ts';
import { loadSimulatorConfig } from './firmware-sim/config.ts';
import { createSimulator, type Simulator } from './firmware-sim/create-simulator.ts';
import { ingestConfigFrom, ingestEnvSchema } from './ingest/config.ts';
import { createIngest, type Ingest } from './ingest/create-ingest.ts';
import { type Env, influxConfigFrom, loadConfig, onOff } from './shared/config.ts';
import { type Logger, silentLogger } from './shared/log.ts';
import { createStore } from './shared/store/create-store.ts';
import type { HistoryStore } from './shared/store/history-store.ts';

export interface SystemDeps {
  logger?: Logger;
  metrics?: Registry;
}

export interface RunningSystem {
  url: string;
  httpPort: number;
  mqttPort: number;
  wsPort: number;
  mqttUrl: string;
}

const simulateSchema = onOff('on');

/**
 * @example
 * const system = createSystem({ ...process.env, HTTP_PORT: '0', MQTT_PORT: '0', MQTT_WS_PORT: '0', SIMULATE: 'off' });
 * const { url } = await system.start();
 */
export function createSystem(env: Env, deps: SystemDeps = {}) {
  const log = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? new Registry();
  if (!deps.metrics) collectDefaultMetrics({ register: metrics });
  const brokerConfig = loadBrokerConfig(env);
  const dashboardConfig = loadDashboardConfig(env);
  const simulate = simulateSchema.parse(env.SIMULATE || undefined);
  const store: HistoryStore = createStore(influxConfigFrom(dashboardConfig, 'all-in-one'), {
    logger: log.child({ component: 'store' }),
    metrics,
  });
  const broker: Broker = createBroker(brokerConfig, { logger: log.child({ component: 'broker' }), metrics });
  let ingest: Ingest | undefined;
  let dashboard: Dashboard | undefined;
  let simulator: Simulator | undefined;
  const started: Array<() => Promise<void>> = [];

  async function stop(): Promise<void> {
    for (const undo of started.splice(0).reverse()) {
      await undo().catch((err: unknown) => log.error({ err }, 'error while stopping'));
    }
  }

  return {
    store,
    broker,
    get ingest() {
      return ingest;
    },
    get dashboard() {
      return dashboard;
    },
    get simulator() {
      return simulator;
    },
    metrics,

    async start(): Promise<RunningSystem> {
      try {
        await store.start();
        started.push(() => store.close());
        const { mqttPort, wsPort } = await broker.start();
        started.push(() => broker.stop());
        const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
        const local = { ...env, MQTT_URL: mqttUrl };

        dashboard = createDashboard(
          { ...dashboardConfig, MQTT_URL: mqttUrl },
          {
            store,
            logger: log.child({ component: 'dashboard' }),
            metrics,
          },
        );
        const served = await dashboard.start();
        started.push(() => dashboard!.stop());

        // After the dashboard, which owns the registry and replicates it to the (fresh) broker:
        // ingest restores site state and alarms for the sites and devices the registry names.
        ingest = createIngest(ingestConfigFrom(loadConfig(ingestEnvSchema, local, 'ingest')), {
          store,
          logger: log.child({ component: 'ingest' }),
          metrics,
        });
        await ingest.start();
        started.push(() => ingest!.stop());
        const httpPort = served.port;
        // Loopback by address (localhost may resolve to ::1 first); https when HTTPS_CERT is set.
        const url = `${new URL(served.url).protocol}//127.0.0.1:${httpPort}`;

        if (simulate) {
          const { simulator: simConfig } = loadSimulatorConfig({ ...local, SIM_API_URL: url });
          simulator = createSimulator(simConfig, { logger: log.child({ component: 'firmware-sim' }) });
          await simulator.start();
          started.push(() => simulator!.stop());
        }
        return { url, httpPort, mqttPort, wsPort, mqttUrl };
      } catch (err) {
        await stop();
        throw err;
      }
    },
    stop,
  };
}

export type System = ReturnType<typeof createSystem>;
