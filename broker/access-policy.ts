/**
 * Who may publish and subscribe to what (DESIGN.md "Device protocol v1": a device may publish only
 * under its own prefix and subscribe to nothing but its own `cmd` topic; only server identities
 * publish derived and registry topics). Pure functions over an identity and a topic, so the rules
 * are tested without a broker; create-broker.ts plugs them into aedes' hooks.
 */
import { MAX_DEVICE_PAYLOAD_BYTES } from '../shared/device-schemas.ts';
import { filters, parseTopic, ROOT, topics } from '../shared/topics.ts';
import type { PublishDeniedReason, SubscribeDeniedReason } from './broker-metrics.ts';
import type { IntegrationRights } from './security-config.ts';

/** Who is behind a connection, decided once at CONNECT. */
export type Identity =
  | { kind: 'service'; name: string }
  /** `secretHash` is the hash the secret was verified against; a new hash ends the session. */
  | { kind: 'device'; deviceId: string; secretHash: string }
  /** An integration service account (`int:<name>`, MQTT_INTEGRATIONS) for bridges and tools. */
  | { kind: 'integration'; name: string; rights: IntegrationRights };

/** Most levels any protocol v1 topic has is 6 (`crowd/v1/sites/{id}/alarms/{type}`). */
export const MAX_TOPIC_LEVELS = 8;
export const MAX_TOPIC_BYTES = 256;

/** The key a connection's identity is known by in logs and client-id ownership. */
export function identityKey(identity: Identity): string {
  if (identity.kind === 'service') return `svc:${identity.name}`;
  if (identity.kind === 'integration') return `int:${identity.name}`;
  return identity.deviceId;
}

/**
 * Checks a topic name for PUBLISH beyond what aedes checks (empty, wildcards, level count).
 * mqtt-packet decodes topics with `Buffer#toString('utf8')`, which turns ill-formed UTF-8 into
 * U+FFFD, so U+FFFD marks a topic that was not valid UTF-8 on the wire ([MQTT-1.5.3-1]; aedes 1.2
 * would otherwise store retained messages under it). U+0000 is forbidden by [MQTT-1.5.3-2].
 *
 * @example topicProblem('crowd/v1/devices/bus-k1-07/counts') // undefined
 */
export function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'empty topic';
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return `topic longer than ${MAX_TOPIC_BYTES} bytes`;
  const levels = topic.split('/');
  if (levels.length > MAX_TOPIC_LEVELS) return `topic has more than ${MAX_TOPIC_LEVELS} levels`;
  if (topic.includes('\uFFFD')) return 'topic is not valid UTF-8';
  if (topic.includes('\u0000')) return 'topic contains U+0000';
  if (topic.includes('+') || topic.includes('#')) return 'wildcard in a topic name';
  // aedes 1.2 routes e.g. `crowd/v1/devices//counts` to a `+/+` subscriber but does not queue it
  // in that subscriber's persistent session, then fails the delivery ("no such packet") and closes
  // the subscriber: one such publish cost ingest its connection (found by test/fuzz). Protocol v1
  // topics never have an empty level; outside our root, MQTT allows them.
  if (topic.startsWith(`${ROOT}/`) && levels.includes('')) return 'empty topic level';
  return undefined;
}

export type PublishDecision =
  | { ok: true; retain: boolean }
  | { ok: false; reason: PublishDeniedReason; detail: string };

export interface PublishRequest {
  topic: string;
  payload: Buffer | string;
  retain: boolean;
}

/**
 * Decides a PUBLISH (or a last will, which aedes also passes through authorizePublish). A device
 * may publish only `crowd/v1/devices/{ownId}/{stream}` for a device stream, never `cmd`; its
 * retain flag is cleared except on `status`, the only retained device stream. A service may
 * publish anything under `crowd/v1/`. Nobody publishes `$SYS`. `identity` undefined means a will
 * published by aedes for a client of another (dead) cluster node: it was checked at CONNECT there.
 *
 * @example
 * decidePublish({ kind: 'device', deviceId: 'bus-k1-07', secretHash: 'h' },
 *   { topic: 'crowd/v1/devices/bus-k1-07/counts', payload: '{}', retain: true }) // { ok: true, retain: false }
 */
export function decidePublish(identity: Identity | undefined, packet: PublishRequest): PublishDecision {
  const { topic } = packet;
  if (identity?.kind === 'integration') return decideIntegrationPublish(identity, packet);
  if (topic.startsWith('$')) return { ok: false, reason: 'sys-topic', detail: '$ topics are reserved' };
  const problem = topicProblem(topic);
  if (problem) return { ok: false, reason: 'invalid-topic', detail: problem };
  if (identity?.kind !== 'device') {
    if (!topic.startsWith(`${ROOT}/`))
      return { ok: false, reason: 'outside-root', detail: `only ${ROOT}/ topics are served` };
    return { ok: true, retain: packet.retain };
  }
  const parsed = parseTopic(topic);
  if (parsed?.kind !== 'device' || parsed.deviceId !== identity.deviceId)
    return { ok: false, reason: 'not-own-topic', detail: 'a device publishes only under its own prefix' };
  if (parsed.stream === 'cmd')
    return { ok: false, reason: 'not-device-stream', detail: 'cmd flows from server to device' };
  const size = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
  if (size > MAX_DEVICE_PAYLOAD_BYTES)
    return {
      ok: false,
      reason: 'payload-too-large',
      detail: `payload of ${size} bytes exceeds ${MAX_DEVICE_PAYLOAD_BYTES}`,
    };
  // DESIGN.md device table: only `status` is retained (birth and last will).
  return { ok: true, retain: parsed.stream === 'status' && packet.retain };
}

const REGISTRY_PREFIX = filters.registry.slice(0, -1);

/**
 * Integration accounts have full topic rights for what they are granted: `read` publishes nothing
 * (a bridge or dashboard tool that mirrors data out), `readwrite` publishes any valid topic
 * except `$SYS/…` (the broker's own) and the registry: the control plane alone owns
 * `crowd/v1/registry/…`, and writing there would let an integration provision devices or change
 * the city policy. Other `$` topics are allowed: [MQTT-4.7.2-1] only keeps them from matching
 * wildcard filters, and conformance suites publish on them.
 */
function decideIntegrationPublish(
  identity: Extract<Identity, { kind: 'integration' }>,
  packet: PublishRequest,
): PublishDecision {
  const { topic } = packet;
  if (identity.rights === 'read')
    return { ok: false, reason: 'read-only', detail: `int:${identity.name} may only subscribe` };
  if (topic === '$SYS' || topic.startsWith('$SYS/'))
    return { ok: false, reason: 'sys-topic', detail: "$SYS topics are the broker's own" };
  const problem = topicProblem(topic);
  if (problem) return { ok: false, reason: 'invalid-topic', detail: problem };
  if (topic.startsWith(REGISTRY_PREFIX))
    return { ok: false, reason: 'registry-topic', detail: 'only the control plane publishes the registry' };
  return { ok: true, retain: packet.retain };
}

export type SubscribeDecision = { ok: true } | { ok: false; reason: SubscribeDeniedReason };

/**
 * A device may subscribe to exactly its own cmd topic; services and integrations to anything
 * (including `#` and `$SYS/#`).
 *
 * @example decideSubscribe({ kind: 'device', deviceId: 'bus-k1-07', secretHash: 'h' }, '#') // { ok: false, reason: 'wildcard' }
 */
export function decideSubscribe(identity: Identity, filter: string): SubscribeDecision {
  if (identity.kind === 'service' || identity.kind === 'integration') return { ok: true };
  if (filter === topics.deviceCmd(identity.deviceId)) return { ok: true };
  if (filter.startsWith('$')) return { ok: false, reason: 'sys-topic' };
  if (filter.includes('+') || filter.includes('#')) return { ok: false, reason: 'wildcard' };
  return { ok: false, reason: 'not-own-cmd' };
}

/**
 * Whether a message may be written to a connection. Subscriptions are already checked; this
 * also covers messages aedes delivers without a subscribe check: the offline queue of a
 * persistent session that another identity may once have held.
 */
export function mayForward(identity: Identity | undefined, topic: string): boolean {
  if (identity === undefined) return false;
  if (identity.kind !== 'device') return true;
  return topic === topics.deviceCmd(identity.deviceId);
}

/**
 * A last will must be a message its client could publish: for a device, its own `status` topic
 * (DESIGN.md: last will `{"online":false}` on status). Returns a reason when it is not.
 */
export function willProblem(identity: Identity, will: PublishRequest | undefined): string | undefined {
  if (!will) return undefined;
  if (identity.kind === 'device' && will.topic !== topics.device(identity.deviceId, 'status'))
    return `a device's last will must be on ${topics.device(identity.deviceId, 'status')}`;
  const decision = decidePublish(identity, will);
  return decision.ok ? undefined : decision.detail;
}
