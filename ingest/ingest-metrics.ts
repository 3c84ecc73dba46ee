import type { Registry } from 'prom-client';
import { counter, gauge } from '../shared/metrics.ts';

export function ingestMetrics(registry: Registry) {
  return {
    received: counter(registry, 'jagajarak_ingest_messages_total', 'Device messages received, by stream', [
      'stream',
    ]),
    rejected: counter(registry, 'jagajarak_ingest_rejected_total', 'Device messages rejected, by reason', [
      'reason',
    ]),
    stale: counter(
      registry,
      'jagajarak_ingest_stale_total',
      'Readings older than one already applied (duplicates, late replays)',
    ),
    reboots: counter(
      registry,
      'jagajarak_ingest_counter_reboots_total',
      'Door counter totals that went down (device reboot)',
    ),
    handlerErrors: counter(
      registry,
      'jagajarak_ingest_handler_errors_total',
      'Unexpected errors while handling a message',
    ),
    statePublishes: counter(
      registry,
      'jagajarak_ingest_state_publishes_total',
      'Site states published on MQTT',
    ),
    sites: gauge(registry, 'jagajarak_ingest_sites', 'Sites with state, by level', ['level']),
  };
}
export type IngestMetrics = ReturnType<typeof ingestMetrics>;
