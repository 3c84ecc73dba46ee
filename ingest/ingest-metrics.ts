import type { Registry } from 'prom-client';
import { counter, gauge } from '../shared/metrics.ts';

export function ingestMetrics(registry: Registry) {
  return {
    received: counter(
      registry,
      'jagajarak_ingest_messages_received_total',
      'Device messages received, by stream',
      ['stream'],
    ),
    rejected: counter(
      registry,
      'jagajarak_ingest_messages_rejected_total',
      'Device messages rejected, by reason',
      ['reason'],
    ),
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
    alarmTransitions: counter(
      registry,
      'jagajarak_ingest_alarm_transitions_total',
      'Alarm transitions (raised, escalated, acknowledged, cleared...), by type and action',
      ['type', 'action'],
    ),
    openAlarms: gauge(registry, 'jagajarak_ingest_open_alarms', 'Alarms not cleared, by type and severity', [
      'type',
      'severity',
    ]),
    controlRequests: counter(
      registry,
      'jagajarak_ingest_control_requests_total',
      'Operator requests on the control topics, by kind and outcome',
      ['kind', 'outcome'],
    ),
    corrections: counter(
      registry,
      'jagajarak_ingest_count_corrections_total',
      'Counting corrections applied (resets, manual corrections), by action and reason',
      ['action', 'reason'],
    ),
  };
}
export type IngestMetrics = ReturnType<typeof ingestMetrics>;
