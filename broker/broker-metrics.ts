/**
 * The broker's Prometheus metrics. Refusals are counted by reason so an operator can tell a
 * misconfigured device (`bad-secret`) from an attack (`oversize`) from a firmware bug (`topic`).
 */
import type { Registry } from 'prom-client';
import { counter, gauge } from '../shared/metrics.ts';

export const AUTH_FAILURE_REASONS = [
  'anonymous',
  'missing-password',
  'bad-service-secret',
  'unknown-device',
  'bad-secret',
  'empty-client-id',
  'client-id-too-long',
  'client-id-taken',
  'will-not-allowed',
  'unknown-integration',
  'bad-integration-secret',
  'backoff',
  'server-busy',
  'error',
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export const PUBLISH_DENIED_REASONS = [
  'sys-topic',
  'invalid-topic',
  'not-own-topic',
  'not-device-stream',
  'outside-root',
  'payload-too-large',
  'unknown-client',
  'read-only',
  'registry-topic',
] as const;
export type PublishDeniedReason = (typeof PUBLISH_DENIED_REASONS)[number];

export const SUBSCRIBE_DENIED_REASONS = ['sys-topic', 'wildcard', 'not-own-cmd', 'unknown-client'] as const;
export type SubscribeDeniedReason = (typeof SUBSCRIBE_DENIED_REASONS)[number];

/** Kinds of identity in `jagajarak_broker_connected_clients{kind}` (broker/access-policy.ts `Identity`). */
export const CLIENT_KINDS = ['device', 'service', 'integration'] as const;

export type BrokerMetrics = ReturnType<typeof brokerMetrics>;

/**
 * Registers (or reuses) the broker's metrics on `registry`.
 *
 * @example
 * const m = brokerMetrics(new Registry());
 * m.authFailures.inc({ reason: 'bad-secret' });
 */
export function brokerMetrics(registry: Registry) {
  return {
    clientsConnected: gauge(registry, 'jagajarak_broker_clients_connected', 'MQTT clients connected now'),
    /** Issue #7 item 5: who is connected, `device`, `service` (svc:*) or `integration`. */
    clientsByKind: gauge<'kind'>(
      registry,
      'jagajarak_broker_connected_clients',
      'MQTT clients connected now, by kind of identity (device, service, integration)',
      ['kind'],
    ),
    authFailures: counter<'reason'>(
      registry,
      'jagajarak_broker_auth_failures_total',
      'MQTT connections refused, by reason',
      ['reason'],
    ),
    publishDenied: counter<'reason'>(
      registry,
      'jagajarak_broker_publish_denied_total',
      'PUBLISH packets refused (the connection is closed), by reason',
      ['reason'],
    ),
    subscribeDenied: counter<'reason'>(
      registry,
      'jagajarak_broker_subscribe_denied_total',
      'Subscriptions refused (SUBACK 0x80), by reason',
      ['reason'],
    ),
    messages: counter(registry, 'jagajarak_broker_messages_total', 'PUBLISH packets accepted from clients'),
    oversize: counter<'reason'>(
      registry,
      'jagajarak_broker_connections_dropped_total',
      'Connections closed for a bad packet: by the packet guard (announced size over MQTT_MAX_PACKET_BYTES, malformed length) or the MQTT parser (malformed-packet)',
      ['reason'],
    ),
    publishesHeld: counter(
      registry,
      'jagajarak_broker_publishes_held_total',
      'Device PUBLISH packets held because a connected durable consumer (ingest) is behind (broker/consumer-backpressure.ts)',
    ),
    publishesHolding: gauge(
      registry,
      'jagajarak_broker_publishes_holding',
      'Device PUBLISH packets held now for a consumer that is behind',
    ),
    rateLimited: counter<'action'>(
      registry,
      'jagajarak_broker_rate_limited_total',
      'Device PUBLISH packets over MQTT_DEVICE_RATE: delayed (paced) or disconnected (sustained excess)',
      ['action'],
    ),
    connectionsRefused: counter<'limit'>(
      registry,
      'jagajarak_broker_connections_refused_total',
      'Connections refused by a connection limit (CONNACK 3, or dropped at accept for max-sockets)',
      ['limit'],
    ),
    secretVerifications: counter(
      registry,
      'jagajarak_broker_secret_verifications_total',
      'Device secrets checked with scrypt (the rest were answered from the verification cache)',
    ),
  };
}
