/**
 * Picks the history store: InfluxDB when INFLUX_URL is configured, otherwise the embedded memory
 * store (DESIGN.md "Shape": `npm start` runs without InfluxDB and says so in the log and the UI).
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { InfluxConfig } from '../config.ts';
import { type Logger, silentLogger } from '../log.ts';
import type { HistoryStore } from './history-store.ts';
import { createInfluxStore, type InfluxStoreDeps } from './influx-store.ts';
import { createMemoryStore, type MemoryStoreOptions } from './memory-store.ts';

export interface CreateStoreDeps {
  logger?: Logger;
  metrics?: Registry;
  clock?: Clock;
  /** Tuning of the InfluxDB writer (tests, benchmarks). */
  influx?: Omit<InfluxStoreDeps, 'logger' | 'metrics' | 'clock'>;
  memory?: Omit<MemoryStoreOptions, 'metrics'>;
}

/**
 * Side-effect free: call `start()` on the result. `describe()` is the one-line human description
 * for the log and the UI, e.g. `InfluxDB 1.6.7 (v1 API) at http://127.0.0.1:8086, database
 * jagajarak` or `embedded in-memory store (not persisted, ...)`.
 *
 * @example
 * const store = createStore(influxConfigFrom(config), { logger: log.child({ component: 'store' }) });
 * await store.start();
 * log.info({ store: store.describe() }, 'history store ready');
 */
export function createStore(influx: InfluxConfig | undefined, deps: CreateStoreDeps = {}): HistoryStore {
  if (influx) {
    return createInfluxStore(influx, {
      ...deps.influx,
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  }
  const store = createMemoryStore({ ...deps.memory, ...(deps.metrics ? { metrics: deps.metrics } : {}) });
  return {
    ...store,
    async start() {
      (deps.logger ?? silentLogger).warn(
        `No INFLUX_URL set: history goes to the ${store.describe()}; it is lost on restart`,
      );
      await store.start();
    },
  };
}
