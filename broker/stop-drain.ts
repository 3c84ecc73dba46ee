/**
 * The first half of a graceful broker stop. aedes acknowledges a device's QoS 1 publish once its
 * persistence has queued it, before the durable consumer (ingest) has it; the embedded
 * persistence lives in memory, so closing aedes right away lost every message acknowledged but
 * not yet acknowledged by ingest (test/faults/broker-restart.test.ts caught one under CI load).
 *
 * So a stop first closes every client except the durable consumers (devices stop publishing and
 * keep what they measure in their offline buffers; their last wills are published and queued
 * like any message), then waits until each CONNECTED consumer has acknowledged its whole queue,
 * for at most MQTT_STOP_DRAIN_MS. What a consumer that is away holds cannot drain: it is reported
 * as lost, together with whatever is left at the deadline.
 */
import type { Client } from 'aedes';

export interface DrainOptions {
  /** Every client the broker has now (aedes' `clients` map). */
  clients: () => Iterable<Client>;
  /** Client ids of the durable sessions (MQTT_DURABLE_SESSIONS). */
  consumers: readonly string[];
  /** Messages queued for a client, sent and awaiting its PUBACK or not yet sent. */
  depth: (clientId: string) => number;
  timeoutMs: number;
  /** Time between looks at the queues (default 10 ms). */
  pollMs?: number;
}

/** What was still queued per durable session when the drain ended; empty when nothing is lost. */
export type Undrained = Record<string, number>;

/**
 * @example
 * const left = await drainDurableSessions({ clients: () => Object.values(aedes.clients), consumers: ['jagajarak-ingest'], depth, timeoutMs: 5000 });
 * if (Object.keys(left).length > 0) log.warn({ left }, 'stopping with messages no consumer acknowledged');
 */
export async function drainDurableSessions(options: DrainOptions): Promise<Undrained> {
  const consumers = new Set(options.consumers);
  const pollMs = options.pollMs ?? 10;
  const closing: Array<Promise<void>> = [];
  for (const client of options.clients())
    if (!consumers.has(client.id)) closing.push(new Promise((resolve) => client.close(() => resolve())));
  await Promise.all(closing);

  const connected = () => {
    const ids = new Set<string>();
    for (const client of options.clients())
      if (consumers.has(client.id) && client.connected) ids.add(client.id);
    return ids;
  };
  const waitingFor = () => [...connected()].filter((id) => options.depth(id) > 0);
  const deadline = Date.now() + options.timeoutMs;
  // A will is queued a few turns after its client closed (authorization, routing, the
  // persistence): nothing pending must be seen twice, one poll apart, before the drain ends.
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    quiet = waitingFor().length === 0 ? quiet + 1 : 0;
    if (quiet < 2) await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const left: Undrained = {};
  for (const id of consumers) {
    const depth = options.depth(id);
    if (depth > 0) left[id] = depth;
  }
  return left;
}
