/**
 * Rejected device messages (STYLE.md: bad input gets a clear error, is counted and loses nothing
 * else): counted by reason for Prometheus and by reason and device here (bounded: device ids come
 * off the wire), stored as dead letters in the `rejected` measurement, logged at a bounded rate.
 */
import type { Clock } from '../shared/clock.ts';
import { type Logger, rateLimitedLog } from '../shared/log.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { rejectedPoint } from './points.ts';

/** Distinct `reason|deviceId` keys counted; past it, only keys already known are counted. */
const MAX_REJECTION_KEYS = 10_000;

export interface DeadLetterDeps {
  store: HistoryStore;
  clock: Clock;
  log: Logger;
  metrics: Pick<IngestMetrics, 'rejected'>;
  onRejected: (reason: string, deviceId: string | undefined, error: string) => void;
}

/**
 * @example
 * const deadLetters = new DeadLetters({ store, clock, log, metrics, onRejected });
 * deadLetters.reject(topic, payload, 'schema', 'in: expected a number', 'bus-k1-07');
 */
export class DeadLetters {
  readonly #counts = new Map<string, number>();
  readonly #limited = rateLimitedLog();
  #lastTs = 0;

  constructor(private readonly deps: DeadLetterDeps) {}

  reject(topic: string, payload: Buffer, reason: string, error: string, deviceId: string | undefined): void {
    const { store, clock, log, metrics } = this.deps;
    metrics.rejected.inc({ reason });
    const key = `${reason}|${deviceId ?? 'unknown'}`;
    if (this.#counts.has(key) || this.#counts.size < MAX_REJECTION_KEYS)
      this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    // InfluxDB keeps one point per series and timestamp: a burst of rejections within one
    // millisecond would overwrite each other, so dead letters get strictly increasing times.
    this.#lastTs = Math.max(clock.now(), this.#lastTs + 1);
    store.write(rejectedPoint(topic, payload, reason, error, deviceId, this.#lastTs));
    this.#limited(key, (suppressed) =>
      log.warn({ reason, deviceId, topic: topic.slice(0, 200), error, suppressed }, 'message rejected'),
    );
    this.deps.onRejected(reason, deviceId, error);
  }

  /** Rejections per `reason|deviceId` so far (a copy). */
  counts(): Map<string, number> {
    return new Map(this.#counts);
  }
}
