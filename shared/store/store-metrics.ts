/**
 * The store's Prometheus metrics, shared by both implementations. Registered through
 * shared/metrics.ts so several stores (or services) in one process can share one registry.
 */
import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../metrics.ts';

export interface StoreMetrics {
  written: ReturnType<typeof counter>;
  failures: ReturnType<typeof counter<'reason'>>;
  pending: ReturnType<typeof gauge>;
  dropped: ReturnType<typeof counter>;
  duration: ReturnType<typeof histogram>;
  refused: ReturnType<typeof counter>;
  connecting: ReturnType<typeof gauge>;
  connectFailures: ReturnType<typeof counter>;
  spool: {
    bytes: ReturnType<typeof gauge>;
    lines: ReturnType<typeof gauge>;
    segments: ReturnType<typeof gauge>;
    oldestAge: ReturnType<typeof gauge>;
    active: ReturnType<typeof gauge>;
    dropped: ReturnType<typeof counter>;
    replayed: ReturnType<typeof counter>;
    corrupt: ReturnType<typeof counter>;
  };
}

/** @example const m = createStoreMetrics(registry); m.written.inc(5000); */
export function createStoreMetrics(registry: Registry): StoreMetrics {
  return {
    written: counter(registry, 'jagajarak_store_points_written_total', 'Points stored in the history store'),
    failures: counter(
      registry,
      'jagajarak_store_write_failures_total',
      'Failed history writes (requests, or points refused before sending) by reason: HTTP status, network error code or invalid-point',
      ['reason'],
    ),
    pending: gauge(
      registry,
      'jagajarak_store_pending_points',
      'Points accepted by the history store and not yet stored (queued, in flight or retrying)',
    ),
    dropped: counter(
      registry,
      'jagajarak_store_dropped_points_total',
      'Points given up: backlog bound reached while the database was unreachable, or store closed',
    ),
    duration: histogram(
      registry,
      'jagajarak_store_write_duration_seconds',
      'Duration of one successful batch write to the history store',
      [],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    refused: counter(
      registry,
      'jagajarak_store_refused_points_total',
      'Points the database refused for their content (a 4xx such as a field type conflict); given up, never retried',
    ),
    connecting: gauge(
      registry,
      'jagajarak_store_connecting',
      '1 while the store has not reached InfluxDB since start (API not detected yet); writes wait in the spool or memory',
    ),
    connectFailures: counter(
      registry,
      'jagajarak_store_connect_failures_total',
      'Failed attempts to reach InfluxDB at start (GET /ping, CREATE DATABASE), retried in the background',
    ),
    spool: {
      bytes: gauge(
        registry,
        'jagajarak_store_spool_bytes',
        'Bytes in the disk spool (InfluxDB down or slow)',
      ),
      lines: gauge(registry, 'jagajarak_store_spool_lines', 'Points in the disk spool not yet stored'),
      segments: gauge(registry, 'jagajarak_store_spool_segments', 'Segment files in the disk spool'),
      oldestAge: gauge(
        registry,
        'jagajarak_store_spool_oldest_age_seconds',
        'Age of the oldest data in the disk spool (0 when empty)',
      ),
      active: gauge(
        registry,
        'jagajarak_store_spool_active',
        '1 while writes go to the disk spool instead of the database',
      ),
      dropped: counter(
        registry,
        'jagajarak_store_spool_dropped_lines_total',
        'Points refused because the disk spool reached SPOOL_MAX_BYTES (the newest are dropped)',
      ),
      replayed: counter(
        registry,
        'jagajarak_store_spool_replayed_lines_total',
        'Points replayed from the disk spool into the database',
      ),
      corrupt: counter(
        registry,
        'jagajarak_store_spool_corrupt_records_total',
        'Damaged spool records (torn by a crash, checksum mismatch) skipped on replay',
      ),
    },
  };
}
