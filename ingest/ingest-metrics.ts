import type { Counter, Registry } from 'prom-client';
import { counter, gauge } from '../shared/metrics.ts';

/**
 * One `inc` counted under two names: the issue #7 names (`..._messages_received_total`,
 * `..._messages_rejected_total`) and the earlier ones, kept so existing dashboards and alerts
 * (README "Monitoring") keep working.
 */
function aliased<L extends string>(current: Counter<L>, earlier: Counter<L>) {
  return {
    inc(labels: Partial<Record<L, string | number>>, value = 1) {
      current.inc(labels, value);
      earlier.inc(labels, value);
    },
  };
}

export function ingestMetrics(registry: Registry) {
  return {
    received: aliased(
      counter(registry, 'jagajarak_ingest_messages_received_total', 'Device messages received, by stream', [
        'stream',
      ]),
      counter(
        registry,
        'jagajarak_ingest_messages_total',
        'Device messages received, by stream (same as jagajarak_ingest_messages_received_total)',
        ['stream'],
      ),
    ),
    rejected: aliased(
      counter(registry, 'jagajarak_ingest_messages_rejected_total', 'Device messages rejected, by reason', [
        'reason',
      ]),
      counter(
        registry,
        'jagajarak_ingest_rejected_total',
        'Device messages rejected, by reason (same as jagajarak_ingest_messages_rejected_total)',
        ['reason'],
      ),
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
