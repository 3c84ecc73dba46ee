/**
 * A connected durable consumer (ingest) that falls behind slows the devices down, instead of the
 * broker acknowledging everything and queueing it for ingest.
 *
 * Why: aedes acknowledges a device's QoS 1 PUBLISH once it is routed, and routing to a
 * persistent session only enqueues. Offered more than ingest stores, the broker kept reading
 * devices at full speed (`npm run bench` at 30,000 msg/s offered: 16,500/s accepted, 3,300/s
 * stored, the queue for ingest past 500,000 and 1.6 GiB), taking the CPU ingest needed, until
 * MQTT_MAX_QUEUED_PER_CLIENT would drop acknowledged messages. Now, while a consumer's queue is
 * deeper than `highWater` and it is connected, each device PUBLISH is held before it is routed
 * (and with it its PUBACK, as rate-limit.ts does). A device gets no acknowledgement, so once its
 * in-flight window is full it stops sending and its own buffer absorbs the excess (firmware
 * buffers are built for outages; the load generator is closed-loop the same way). What is held is
 * bounded by those windows and by the rate limit, which runs first. Publishes go on once every
 * queue is back under `lowWater`, or after `maxHoldMs` (a consumer that never catches up must not
 * stop the devices for good; then the queue and its bound take over). aedes keeps reading a
 * connection whose publish is held, PINGREQ included, so keepalives do not expire meanwhile.
 *
 * A consumer that is offline does not hold anything: then the queue is the point (ingest
 * restarting, docs/queues.md). Services and integrations are never held: ingest's own PUBACKs
 * travel on its connection, and holding it would stop the queue from draining.
 */
import type { Counter, Gauge } from 'prom-client';

export interface BackpressureOptions {
  /** The durable consumers' client ids (MQTT_DURABLE_SESSIONS). */
  consumers: readonly string[];
  /** Messages queued now for a client (broker/bounded-persistence.ts). */
  depth(clientId: string): number;
  /** Whether the client is connected now. */
  connected(clientId: string): boolean;
  /** Queue depth at which device publishes are held; 0 turns it off. */
  highWater: number;
  /** Depth under which they go on again (default highWater / 2). */
  lowWater?: number;
  /** Longest a publish is held (default 60,000 ms). */
  maxHoldMs?: number;
  /** How often a congested broker looks at the queues again (default 20 ms). */
  checkMs?: number;
  now?: () => number;
  metrics?: { held: Counter; holding: Gauge };
}

interface Held {
  since: number;
  closed: () => boolean;
  proceed: () => void;
}

/**
 * @example
 * const bp = new ConsumerBackpressure({ consumers: ['jagajarak-ingest'], depth, connected, highWater: 50_000 });
 * // in authorizePublish, for a device:
 * if (bp.hold(() => client.closed, () => callback(null))) return;
 */
export class ConsumerBackpressure {
  private readonly held: Held[] = [];
  private behind = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly lowWater: number;
  private readonly maxHoldMs: number;
  private readonly now: () => number;

  constructor(private readonly options: BackpressureOptions) {
    this.lowWater = options.lowWater ?? Math.floor(options.highWater / 2);
    this.maxHoldMs = options.maxHoldMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** True when the publish is held: `proceed` runs later (unless the connection closed by then). */
  hold(closed: () => boolean, proceed: () => void): boolean {
    if (this.options.highWater <= 0 || !this.isCongested()) return false;
    this.held.push({ since: this.now(), closed, proceed });
    this.options.metrics?.held.inc();
    this.options.metrics?.holding.set(this.held.length);
    this.timer ??= setInterval(() => this.check(), this.options.checkMs ?? 20);
    return true;
  }

  /** Publishes held now. */
  holding(): number {
    return this.held.length;
  }

  /** Lets every held publish go (on stop). */
  stop(): void {
    this.release(this.held.length);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** True while publishes are being held (checked before building anything to hold one with). */
  congested(): boolean {
    return this.options.highWater > 0 && this.isCongested();
  }

  /** With hysteresis: congested above highWater until every connected queue is under lowWater. */
  private isCongested(): boolean {
    const limit = this.behind ? this.lowWater : this.options.highWater;
    this.behind = this.options.consumers.some(
      (id) => this.options.connected(id) && this.options.depth(id) > limit,
    );
    return this.behind;
  }

  private check(): void {
    if (!this.isCongested()) this.release(this.held.length);
    else {
      const due = this.now() - this.maxHoldMs;
      let expired = 0;
      while (expired < this.held.length && this.held[expired]!.since <= due) expired++;
      this.release(expired);
    }
    if (this.held.length === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The `count` oldest held publishes go on, in arrival order. */
  private release(count: number): void {
    for (const h of this.held.splice(0, count)) if (!h.closed()) h.proceed();
    this.options.metrics?.holding.set(this.held.length);
  }
}
