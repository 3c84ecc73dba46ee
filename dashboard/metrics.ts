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

export type DashboardMetrics = ReturnType<typeof createDashboardMetrics>;

/** @example const m = createDashboardMetrics(new Registry()); m.socketBatches.inc({ event: 'sites:update' }); */
export function createDashboardMetrics(registry: Registry) {
  return {
    httpRequests: counter(registry, 'dashboard_http_requests_total', 'HTTP requests answered', [
      'method',
      'status',
    ]),
    sockets: gauge(registry, 'dashboard_sockets', 'Connected socket.io clients'),
    socketsRefused: counter(registry, 'dashboard_sockets_refused_total', 'socket.io handshakes refused'),
    socketBatches: counter(registry, 'dashboard_socket_batches_total', 'Batches emitted to socket.io rooms', [
      'event',
    ]),
    socketSites: counter(registry, 'dashboard_socket_sites_total', 'Site views sent in sites:update batches'),
    siteStates: counter(registry, 'dashboard_site_states_total', 'Site state messages received from MQTT'),
    rejected: counter(registry, 'dashboard_mqtt_rejected_total', 'MQTT messages rejected', ['reason']),
    registryPublishes: counter(registry, 'dashboard_registry_publishes_total', 'Registry records published'),
    registryEchoTimeouts: counter(
      registry,
      'dashboard_registry_echo_timeouts_total',
      'Registry changes whose echo did not come back through the broker in time',
    ),
    logins: counter(registry, 'dashboard_logins_total', 'Login attempts', ['result']),
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
