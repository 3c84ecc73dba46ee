/**
 * Sessions the broker declares itself at start, before their client connects: a persistent
 * subscription stored under the client id, so QoS 1 messages are queued for it from the first
 * second, like a durable queue in AMQP.
 *
 * Why: ingest's data connection is a persistent session (clean: false), but aedes' in-memory
 * persistence forgets it when the broker restarts. Devices reconnect within 0.5-1 s and replay
 * their offline buffers; ingest reconnects after about 1 s. Whatever the devices replayed in
 * between matched no subscription and was gone (measured in test/faults/broker-restart.test.ts:
 * ticks 30-87 of every device). With the session declared at start, those messages wait in
 * ingest's queue (bounded: MQTT_MAX_QUEUED_PER_CLIENT) until it connects and takes them.
 *
 * A declared session is only created when the persistence holds no subscription for the client
 * (a Redis persistence that survived the restart keeps its own).
 */
import type { Logger } from '../shared/log.ts';

/** What the declaration needs of an aedes persistence (aedes-persistence 10 async API). */
export interface SubscriptionStore {
  subscriptionsByClient(client: { id: string }): Promise<unknown[] | null | undefined>;
  addSubscriptions(client: { id: string }, subs: Array<{ topic: string; qos: 0 | 1 | 2 }>): Promise<unknown>;
}

export interface DurableSession {
  clientId: string;
  filters: string[];
}

/**
 * Parses `clientId=filter,filter;clientId=filter` (MQTT_DURABLE_SESSIONS). Filters containing
 * `,` or `;` cannot be declared this way.
 *
 * @example parseDurableSessions('jagajarak-ingest=crowd/v1/devices/+/+')
 * // [{ clientId: 'jagajarak-ingest', filters: ['crowd/v1/devices/+/+'] }]
 */
export function parseDurableSessions(text: string): DurableSession[] {
  const sessions: DurableSession[] = [];
  for (const entry of text.split(';').map((s) => s.trim())) {
    if (!entry) continue;
    const eq = entry.indexOf('=');
    const clientId = eq > 0 ? entry.slice(0, eq).trim() : '';
    const filters = (eq > 0 ? entry.slice(eq + 1) : '')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    if (!clientId || filters.length === 0) throw new Error(`'${entry}' is not clientId=filter[,filter...]`);
    sessions.push({ clientId, filters });
  }
  return sessions;
}

/** Declares each session that the persistence does not hold yet; returns the client ids declared. */
export async function declareDurableSessions(
  store: SubscriptionStore,
  sessions: DurableSession[],
  log: Logger,
): Promise<string[]> {
  const declared: string[] = [];
  for (const { clientId, filters } of sessions) {
    const existing = await store.subscriptionsByClient({ id: clientId });
    if (existing && existing.length > 0) continue;
    await store.addSubscriptions(
      { id: clientId },
      filters.map((topic) => ({ topic, qos: 1 })),
    );
    declared.push(clientId);
    log.info({ clientId, filters }, 'durable session declared: QoS 1 messages are queued until it connects');
  }
  return declared;
}
