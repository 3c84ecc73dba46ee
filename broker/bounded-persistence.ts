/**
 * aedes' in-memory persistence with the outgoing (QoS 1/2 session) queue indexed and bounded.
 *
 * Why: aedes-persistence 11 keeps each persistent session's outgoing queue as one Array and
 * scans it from the front on every `outgoingUpdate` (each delivery) and `outgoingClearMessageId`
 * (each PUBACK): O(queue) per message, measured at 11-16% of broker CPU under load, and O(n²)
 * while a slow subscriber (ingest's `jagajarak-ingest` session) has a long queue. The queue also
 * grows without bound while that client is offline. Issue #6 item 3: every queue is bounded and
 * what happens at the bound is defined and counted.
 *
 * Here each client's queue is an insertion-ordered Set of entries plus two indexes (by
 * brokerId + brokerCounter, by messageId), so enqueue, update and clear are O(1). At
 * `maxQueuedPerClient` NEW messages for that client are dropped (counted in
 * `jagajarak_broker_queue_dropped_total{client}`, warned at a bounded rate); what is already
 * queued stays. Drop-newest, as Mosquitto's `max_queued_messages` does, because:
 * - it never drops a message already written to the client and awaiting its PUBACK;
 * - what is kept is one contiguous stretch from the start of the outage, in order, which ingest
 *   stores as history; the state after the outage is rebuilt by the first messages after it
 *   (counts are cumulative and occupancy absolute, DOMAIN.md), so nothing is lost for good but
 *   the history of the tail of a very long outage;
 * - it is O(1) and needs no eviction walk.
 * A connected client still receives a dropped message live (aedes writes it after enqueueing):
 * it is only not kept for redelivery.
 *
 * A retained message is kept with a payload of its own: the parser's payload is a view into the
 * socket chunk it arrived in, which can be several packets long (a device's CONNECT, password
 * included, and its retained birth right behind it), and a retained message is kept for as long
 * as the topic exists (about 4 MiB at 10,000 devices, heap snapshot of session 6).
 *
 * Everything else (retained lookups, subscriptions, wills, incoming QoS 2) is the parent class,
 * unchanged; aedes-persistence's own abstract suite runs against this class in
 * bounded-persistence.test.ts.
 */
import { Readable } from 'node:stream';
import AedesPacket from 'aedes-packet';
import MemoryPersistence from 'aedes-persistence/asyncPersistence.js';
import { Gauge, type Registry } from 'prom-client';
import { type Logger, rateLimitedLog, silentLogger } from '../shared/log.ts';
import { counter } from '../shared/metrics.ts';

/** The fields of an aedes packet this class reads; aedes passes richer objects. */
export interface QueuedPacket {
  cmd?: string;
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number | null;
  topic?: string;
  payload?: Buffer | string;
  qos?: number;
}

interface Entry {
  seq: number;
  packet: QueuedPacket;
  /** Handed to aedes by an `outgoingStream` replay (see there). */
  replayed?: boolean;
  removed?: boolean;
}

/** One entry, or several in arrival order when keys collide (overlapping subscriptions, messageId wrap). */
type Slot = Entry | Entry[];

interface ClientQueue {
  entries: Set<Entry>;
  /** brokerId -> brokerCounter -> entry: numeric keys, no key string built per message. */
  byBroker: Map<string, Map<number, Slot>>;
  /** Only entries with a messageId: a PUBACK always carries one. */
  byMessageId: Map<number, Slot>;
}

export interface BoundedPersistenceOptions {
  /** Messages kept per client session; new ones past it are dropped for that client. */
  maxQueuedPerClient: number;
  logger?: Logger;
  /** Registers the drop counter and the depth gauges here. */
  metrics?: Registry;
  /** How many of the deepest queues `jagajarak_broker_session_queue_depth{client}` reports. */
  depthTopClients?: number;
}

/**
 * Keys of recently dropped messages, so the `outgoingUpdate` aedes runs before writing a dropped
 * message to a connected client succeeds (the message goes out live, unqueued) instead of
 * failing, which aedes turns into closing that client. Also the keys of replayed messages
 * acknowledged since (see outgoingStream). Bounded FIFO: keys never asked for age out.
 */
const UNQUEUED_KEYS_KEPT = 16_384;

/** aedes-packet's copy constructor (its types declare a plain function). */
const Packet = AedesPacket as unknown as new (original: QueuedPacket) => QueuedPacket;

const brokerKey = (p: QueuedPacket) => `${p.brokerId}\u0000${p.brokerCounter}`;

function put<K>(map: Map<K, Slot>, key: K, entry: Entry): void {
  const slot = map.get(key);
  if (slot === undefined) map.set(key, entry);
  else if (Array.isArray(slot)) slot.push(entry);
  else map.set(key, [slot, entry]);
}

function take<K>(map: Map<K, Slot>, key: K, entry: Entry): void {
  const slot = map.get(key);
  if (slot === entry) map.delete(key);
  else if (Array.isArray(slot)) {
    const i = slot.indexOf(entry);
    if (i >= 0) slot.splice(i, 1);
    if (slot.length === 1) map.set(key, slot[0]!);
  }
}

function head<K>(map: Map<K, Slot> | undefined, key: K): Entry | undefined {
  const slot = map?.get(key);
  return Array.isArray(slot) ? slot[0] : slot;
}

function all<K>(map: Map<K, Slot> | undefined, key: K): readonly Entry[] {
  const slot = map?.get(key);
  return slot === undefined ? [] : Array.isArray(slot) ? slot : [slot];
}

/**
 * @example
 * const aedes = new Aedes({ persistence: new BoundedPersistence({ maxQueuedPerClient: 500_000, metrics }) });
 */
export class BoundedPersistence extends MemoryPersistence {
  readonly maxQueuedPerClient: number;
  readonly #queues = new Map<string, ClientQueue>();
  readonly #unqueuedKeys = new Map<string, true>();
  readonly #log: Logger;
  readonly #limited = rateLimitedLog();
  readonly #droppedTotal: ReturnType<typeof counter<'client'>> | undefined;
  readonly #unregister: () => void;
  #seq = 0;
  #queued = 0;

  constructor(options: BoundedPersistenceOptions) {
    super();
    if (!Number.isInteger(options.maxQueuedPerClient) || options.maxQueuedPerClient < 1)
      throw new Error(`maxQueuedPerClient must be a positive integer, not ${options.maxQueuedPerClient}`);
    this.maxQueuedPerClient = options.maxQueuedPerClient;
    this.#log = options.logger ?? silentLogger;
    this.#droppedTotal = options.metrics
      ? counter(
          options.metrics,
          'jagajarak_broker_queue_dropped_total',
          'QoS 1/2 messages not queued for a persistent session because its queue was full (MQTT_MAX_QUEUED_PER_CLIENT)',
          ['client'],
        )
      : undefined;
    this.#unregister = options.metrics
      ? registerDepthSource(options.metrics, this, options.depthTopClients ?? 10)
      : () => {};
  }

  override storeRetained(packet: {
    topic: string;
    payload: Buffer | string;
    [field: string]: unknown;
  }): Promise<void> {
    const { payload } = packet;
    const ownPayload =
      Buffer.isBuffer(payload) && payload.length > 0 && payload.length < payload.buffer.byteLength
        ? Buffer.from(payload)
        : payload;
    return super.storeRetained({ ...packet, payload: ownPayload });
  }

  /** Messages queued now for `clientId` (sent and awaiting PUBACK, or not yet sent). */
  queueDepth(clientId: string): number {
    return this.#queues.get(clientId)?.entries.size ?? 0;
  }

  /** Messages queued now over all sessions. */
  get queuedTotal(): number {
    return this.#queued;
  }

  /** The `limit` deepest queues, deepest first. */
  deepestQueues(limit: number): Array<{ clientId: string; depth: number }> {
    return [...this.#queues]
      .map(([clientId, q]) => ({ clientId, depth: q.entries.size }))
      .sort((a, b) => b.depth - a.depth)
      .slice(0, limit);
  }

  #enqueue(clientId: string, packet: QueuedPacket): void {
    let q = this.#queues.get(clientId);
    if (q && q.entries.size >= this.maxQueuedPerClient) {
      this.#drop(clientId, packet);
      return;
    }
    if (!q) {
      q = { entries: new Set(), byBroker: new Map(), byMessageId: new Map() };
      this.#queues.set(clientId, q);
    }
    const entry: Entry = { seq: this.#seq++, packet: new Packet(packet) };
    q.entries.add(entry);
    this.#index(q, entry);
    this.#queued++;
  }

  #drop(clientId: string, packet: QueuedPacket): void {
    this.#droppedTotal?.inc({ client: clientId });
    this.#unqueued(clientId, packet);
    this.#limited(`queue-full:${clientId}`, (suppressed) =>
      this.#log.warn(
        { clientId, bound: this.maxQueuedPerClient, topic: packet.topic, suppressed },
        'session queue full: new messages for this client are dropped until it acknowledges some',
      ),
    );
  }

  /** Lets a later `outgoingUpdate` of this message succeed although it is not queued. */
  #unqueued(clientId: string, packet: QueuedPacket): void {
    const key = `${clientId}\u0000${brokerKey(packet)}`;
    this.#unqueuedKeys.delete(key);
    this.#unqueuedKeys.set(key, true);
    if (this.#unqueuedKeys.size > UNQUEUED_KEYS_KEPT)
      this.#unqueuedKeys.delete(this.#unqueuedKeys.keys().next().value!);
  }

  #index(q: ClientQueue, entry: Entry): void {
    const { brokerId, brokerCounter, messageId } = entry.packet;
    if (brokerId !== undefined) {
      const counters = q.byBroker.get(brokerId) ?? new Map<number, Slot>();
      if (counters.size === 0) q.byBroker.set(brokerId, counters);
      put(counters, brokerCounter ?? 0, entry);
    }
    if (messageId != null) put(q.byMessageId, messageId, entry);
  }

  #unindex(q: ClientQueue, entry: Entry): void {
    const { brokerId, brokerCounter, messageId } = entry.packet;
    const counters = brokerId !== undefined ? q.byBroker.get(brokerId) : undefined;
    if (counters) {
      take(counters, brokerCounter ?? 0, entry);
      if (counters.size === 0) q.byBroker.delete(brokerId!);
    }
    if (messageId != null) take(q.byMessageId, messageId, entry);
  }

  #sameMessage(q: ClientQueue | undefined, packet: QueuedPacket): Entry | undefined {
    return packet.brokerId === undefined
      ? undefined
      : head(q?.byBroker.get(packet.brokerId), packet.brokerCounter ?? 0);
  }

  #remove(clientId: string, q: ClientQueue, entry: Entry): QueuedPacket {
    this.#unindex(q, entry);
    q.entries.delete(entry);
    entry.removed = true;
    if (entry.replayed) this.#unqueued(clientId, entry.packet);
    this.#queued--;
    if (q.entries.size === 0) this.#queues.delete(clientId);
    return entry.packet;
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void> {
    this.#enqueue(sub.clientId, packet);
  }

  override async outgoingEnqueueCombi(
    subs: Array<{ clientId: string }>,
    packet: QueuedPacket,
  ): Promise<void> {
    for (const sub of subs) this.#enqueue(sub.clientId, packet);
  }

  /**
   * The parent's scan, indexed: the first queued entry that is the same message (brokerId and
   * brokerCounter) gets the packet's messageId; else the first entry from another broker (or a
   * PUBLISH a PUBREL replaces, QoS 2) with the same messageId is replaced by the packet.
   */
  override async outgoingUpdate(client: { id: string }, packet: QueuedPacket): Promise<void> {
    const q = this.#queues.get(client.id);
    const same = this.#sameMessage(q, packet);
    let other: Entry | undefined;
    for (const entry of packet.messageId != null ? all(q?.byMessageId, packet.messageId) : []) {
      if (entry.packet.brokerId !== packet.brokerId) {
        other = entry;
        break;
      }
      // A PUBREL updated again: already in place.
      if (packet.brokerId === undefined && entry.packet.cmd === packet.cmd) return;
    }
    const target = same && other ? (same.seq < other.seq ? same : other) : (same ?? other);
    if (q && target) {
      this.#unindex(q, target);
      if (target === same) target.packet.messageId = packet.messageId;
      else target.packet = packet;
      this.#index(q, target);
      return;
    }
    if (this.#unqueuedKeys.delete(`${client.id}\u0000${brokerKey(packet)}`)) return;
    throw new Error('no such packet');
  }

  /**
   * Removes and returns the acknowledged entry. A PUBACK carries only the messageId. A packet
   * that carries brokerId and brokerCounter is matched by those first: aedes' deliverQoS clears
   * an unforwarded message with the routed packet, whose messageId is the publisher's, not this
   * client's, and a messageId match would remove an unrelated queued message.
   */
  override async outgoingClearMessageId(
    client: { id: string },
    packet: QueuedPacket,
  ): Promise<QueuedPacket | undefined> {
    const q = this.#queues.get(client.id);
    if (!q || packet === null || typeof packet !== 'object') return undefined;
    const entry =
      this.#sameMessage(q, packet) ??
      (packet.messageId != null ? head(q.byMessageId, packet.messageId) : undefined);
    return entry ? this.#remove(client.id, q, entry) : undefined;
  }

  /**
   * What aedes re-sends when a persistent session connects (connect.js `emptyQueue`): the queue
   * as it is now, in order. aedes subscribes the client before it asks for this snapshot, so a
   * message arriving in between is in the snapshot AND delivered live, and the client may
   * acknowledge it before the stream gets to it (issue #6 item 2: with a backlog of a few hundred
   * after a broker restart, measured in test/faults/broker-restart.test.ts). So the stream
   * skips entries acknowledged since the snapshot, and one acknowledged after the stream handed
   * it on (aedes pipes it through a Transform that reads ahead) is remembered, so that its
   * `outgoingUpdate` succeeds (a duplicate, allowed at QoS 1) instead of failing with "no such
   * packet", which aedes answers by closing the client mid-replay.
   */
  override outgoingStream(client: { id: string }): Readable {
    const q = this.#queues.get(client.id);
    const snapshot = q ? [...q.entries] : [];
    return Readable.from(
      (function* () {
        for (const entry of snapshot) {
          if (entry.removed) continue;
          entry.replayed = true;
          yield entry.packet;
        }
      })(),
    );
  }

  override async destroy(): Promise<void> {
    await super.destroy();
    this.#unregister();
    this.#queues.clear();
    this.#unqueuedKeys.clear();
    this.#queued = 0;
  }
}

interface DepthSource {
  readonly queuedTotal: number;
  deepestQueues(limit: number): Array<{ clientId: string; depth: number }>;
}

/** Live persistences per gauge: a registry shared by two brokers (tests) reports both. */
const depthSources = new WeakMap<object, Set<{ source: DepthSource; top: number }>>();

function sourcesFor(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  collect: () => void,
) {
  let metric = registry.getSingleMetric(name);
  if (!metric) metric = new Gauge({ name, help, labelNames, registers: [registry], collect });
  const set = depthSources.get(metric) ?? new Set();
  depthSources.set(metric, set);
  return set;
}

/**
 * Depth is read at scrape time rather than set per message: the queue changes on every
 * delivery, a scrape comes every few seconds. Per-client series only for the deepest few, so a
 * fleet of persistent device sessions cannot explode the label cardinality.
 */
function registerDepthSource(registry: Registry, source: DepthSource, top: number): () => void {
  const totalName = 'jagajarak_broker_session_queue_messages';
  const depthName = 'jagajarak_broker_session_queue_depth';
  const totals: Set<{ source: DepthSource; top: number }> = sourcesFor(
    registry,
    totalName,
    'QoS 1/2 messages held for persistent sessions (queued or awaiting PUBACK), all clients',
    [],
    function (this: Gauge) {
      let sum = 0;
      for (const s of depthSources.get(this) ?? []) sum += s.source.queuedTotal;
      this.set(sum);
    },
  );
  const depths = sourcesFor(
    registry,
    depthName,
    'QoS 1/2 messages held for one persistent session, for the deepest queues only',
    ['client'],
    function (this: Gauge<'client'>) {
      this.reset();
      for (const s of depthSources.get(this) ?? [])
        for (const { clientId, depth } of s.source.deepestQueues(s.top))
          this.set({ client: clientId }, depth);
    },
  );
  const handle = { source, top };
  totals.add(handle);
  depths.add(handle);
  return () => {
    totals.delete(handle);
    depths.delete(handle);
  };
}
