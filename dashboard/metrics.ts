/**
 * The dashboard's Prometheus metrics, registered on the injected prom-client Registry. Reusing a
 * registry (the all-in-one process, or a restart in tests) reuses the metric already there
 * instead of throwing on a duplicate name.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[] = []) {
  return (
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter<L>({ name, help, labelNames, registers: [registry] })
  );
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[] = []) {
  return (
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ??
    new Gauge<L>({ name, help, labelNames, registers: [registry] })
  );
}

type AlarmLike = { type: string; severity: string; state: string };
/** Where each registry's open-alarm gauge reads at scrape time (the dashboard's AlarmCache). */
const openAlarmSources = new WeakMap<Gauge<string>, () => Iterable<AlarmLike>>();
const OPEN_ALARMS = 'jagajarak_dashboard_open_alarms';

/**
 * Alarms not cleared, by type, severity and state (open or acknowledged), counted from the
 * dashboard's alarm cache when scraped (issue #7 item 5), so it can never drift from what
 * operators see. Re-registering on the same registry reuses the gauge and its source slot.
 */
function openAlarmsGauge(registry: Registry): Gauge<string> {
  const existing = registry.getSingleMetric(OPEN_ALARMS) as Gauge<string> | undefined;
  if (existing) return existing;
  const g: Gauge<string> = new Gauge({
    name: OPEN_ALARMS,
    help: 'Alarms not cleared as the dashboard sees them, by type, severity and state (open, acknowledged)',
    labelNames: ['type', 'severity', 'state'],
    registers: [registry],
    collect() {
      g.reset();
      const source = openAlarmSources.get(g);
      if (!source) return;
      const counts = new Map<string, { labels: AlarmLike; n: number }>();
      for (const a of source()) {
        if (a.state === 'cleared') continue;
        const key = `${a.type}|${a.severity}|${a.state}`;
        const entry = counts.get(key) ?? {
          labels: { type: a.type, severity: a.severity, state: a.state },
          n: 0,
        };
        entry.n++;
        counts.set(key, entry);
      }
      for (const { labels, n } of counts.values()) g.set(labels, n);
    },
  });
  return g;
}

/**
 * Points the open-alarm gauge at the alarms to count; `undefined` detaches (the gauge reads empty).
 *
 * @example trackOpenAlarms(metrics, () => alarmCache.list());
 */
export function trackOpenAlarms(
  metrics: DashboardMetrics,
  source: (() => Iterable<AlarmLike>) | undefined,
): void {
  if (source) openAlarmSources.set(metrics.openAlarms, source);
  else openAlarmSources.delete(metrics.openAlarms);
}

export type DashboardMetrics = ReturnType<typeof createDashboardMetrics>;

/** @example const m = createDashboardMetrics(new Registry()); m.socketBatches.inc({ event: 'sites:update' }); */
export function createDashboardMetrics(registry: Registry) {
  return {
    httpRequests: counter(registry, 'dashboard_http_requests_total', 'HTTP requests answered', [
      'method',
      'status',
    ]),
    sockets: gauge(registry, 'dashboard_sockets', 'Connected socket.io clients'),
    openAlarms: openAlarmsGauge(registry),
    socketsRefused: counter(registry, 'dashboard_sockets_refused_total', 'socket.io handshakes refused'),
    socketBatches: counter(registry, 'dashboard_socket_batches_total', 'Batches emitted to socket.io rooms', [
      'event',
    ]),
    socketSites: counter(registry, 'dashboard_socket_sites_total', 'Site views sent in sites:update batches'),
    liveBatchesSkipped: counter(
      registry,
      'jagajarak_live_batches_skipped_total',
      'Live ticks whose changes a browser did not get because its connection was backed up (it gets a fresh snapshot once drained)',
    ),
    liveBufferedBytes: gauge(
      registry,
      'jagajarak_live_buffered_bytes',
      'Bytes the dashboard holds for browsers not yet read by them (engine.io buffers and WebSocket send queues), at the last tick',
    ),
    siteStates: counter(
      registry,
      'dashboard_site_states_total',
      'Site states received from MQTT (retained or in a live batch)',
    ),
    siteStateBatches: counter(
      registry,
      'dashboard_site_state_batches_total',
      'Live site-state batch messages received from MQTT',
    ),
    rejected: counter(registry, 'dashboard_mqtt_rejected_total', 'MQTT messages rejected', ['reason']),
    registryPublishes: counter(registry, 'dashboard_registry_publishes_total', 'Registry records published'),
    registryEchoTimeouts: counter(
      registry,
      'dashboard_registry_echo_timeouts_total',
      'Registry changes whose echo did not come back through the broker in time',
    ),
    logins: counter(registry, 'dashboard_logins_total', 'Login attempts (result ok, refused, throttled)', [
      'result',
    ]),
    csrfRefused: counter(
      registry,
      'dashboard_csrf_refused_total',
      'State-changing requests refused as cross-site (dashboard/csrf.ts)',
    ),
    alarms: counter(registry, 'dashboard_alarm_messages_total', 'Alarm messages received from MQTT'),
    controlRequests: counter(registry, 'dashboard_control_requests_total', 'Commands sent to ingest'),
    controlTimeouts: counter(
      registry,
      'dashboard_control_timeouts_total',
      'Commands ingest did not answer within CONTROL_REPLY_TIMEOUT_MS',
    ),
    socketsRescoped: counter(
      registry,
      'dashboard_sockets_rescoped_total',
      'Sockets whose rooms were re-evaluated or which were ended after their user changed',
    ),
    socketsEnded: counter(
      registry,
      'dashboard_sockets_ended_total',
      'Live sockets disconnected by the session sweep (reason expired, or session-ended: logout, removed user, new password)',
      ['reason'],
    ),
    webhookQueueDropped: counter(
      registry,
      'dashboard_webhook_queue_dropped_total',
      'Notifications dropped at a notifier bound: queue="pending" the oldest pending delivery of a webhook at WEBHOOK_MAX_PENDING, queue="changes" an alarm change while 10,000 waited',
      ['queue'],
    ),
    notifications: counter(registry, 'dashboard_notifications_total', 'Webhook notifications by outcome', [
      'event',
      'status',
    ]),
    webhookAttempts: counter(
      registry,
      'dashboard_webhook_attempts_total',
      'Webhook HTTP attempts by result',
      ['result'],
    ),
    notificationsSuppressed: counter(
      registry,
      'dashboard_notifications_suppressed_total',
      'Notifications suppressed by the per-site, per-webhook rate limit',
    ),
  };
}
