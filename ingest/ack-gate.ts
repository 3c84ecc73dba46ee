/**
 * PUBACK to the broker only once the history store holds the message (issue #6 item 2: an ingest
 * restart loses nothing). Ingest's `data` session is persistent, so whatever the broker has not
 * seen acknowledged it keeps and delivers again to the next ingest with the same client id; an
 * acknowledgement sent while the point still sits in the store's in-memory write queue would be
 * lost with the process (SIGKILL, OOM, power cut) and the broker would never send it again.
 *
 * mqtt.js sends the PUBACK when `handleMessage(packet, cb)` calls `cb`, and reads the next packet
 * only after that (DESIGN.md "Known traps"), so waiting in `cb` for the store would take one
 * message per database round trip. Instead the gate answers mqtt.js at once with an error (mqtt.js
 * then skips its own PUBACK and reads on; client.js `handlePublish`, qos 1), collects the message
 * ids, and after `store.flush()` resolves sends the PUBACKs of everything that was pending when the
 * flush began: one database write acknowledges a batch, as a Kafka consumer commits its offsets.
 *
 * An acknowledgement is never carried over a reconnect: a message id belongs to one connection,
 * and the broker re-sends what was not acknowledged when the session resumes. A re-sent message is
 * processed again; that is harmless (same series and device ts overwrite in the store; door totals
 * and readings older than the last one are stale to SiteTracker). So the guarantee is
 * at-least-once into the store, with duplicates absorbed by the device timestamp.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';

export interface AckGateOptions {
  /** Resolves once every point written to the store before the call is stored (HistoryStore.flush). */
  flush: () => Promise<void>;
  /**
   * Most messages processed and not yet acknowledged. Past it the gate stops reading from the
   * broker (the message waits in mqtt.js, the rest in the broker) until a flush catches up, so a
   * database outage holds the backlog in the broker's session rather than in ingest's memory.
   */
  maxUnacked: number;
  /** Shortest time between two acknowledging flushes, so acks and store writes come in batches. */
  minIntervalMs: number;
  onError?: (err: unknown) => void;
}

/** mqtt.js's packet writer; private in its typings, stable since 4.x (`_sendPacket(packet, cb)`). */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb?: (err?: Error) => void): void;
}

/** Tells mqtt.js "handled, do not acknowledge": its publish handler skips the PUBACK on an error. */
const DEFERRED = Object.freeze(new Error('PUBACK deferred until the store has the message'));

/**
 * @example
 * const gate = new AckGate({ flush: () => store.flush(), maxUnacked: 10_000, minIntervalMs: 100 });
 * gate.attach(client);
 * client.handleMessage = (packet, cb) => gate.handle(packet, cb, () => onDeviceMessage(packet));
 * // on stop:
 * await gate.drain(5_000);
 */
export class AckGate {
  private client: MqttClient | undefined;
  /** Incremented on every lost connection: ids of an older connection are never acknowledged. */
  private connection = 0;
  private pending: number[] = [];
  private cycle: Promise<void> | undefined;
  private lastCycleAt = 0;
  private closed = false;
  private readonly onClose = () => {
    this.connection++;
    // Their ids died with the connection; the broker sends them again on the next one.
    this.stats.abandoned += this.pending.length;
    this.pending = [];
  };
  /** PUBACKs sent, and messages dropped from the gate because their connection was lost. */
  readonly stats = { acked: 0, abandoned: 0, flushes: 0 };

  constructor(private readonly options: AckGateOptions) {}

  attach(client: MqttClient): void {
    this.client = client;
    this.closed = false;
    client.on('close', this.onClose);
  }

  /** Messages processed and waiting for the store before their PUBACK. */
  get unacked(): number {
    return this.pending.length;
  }

  /**
   * Processes one incoming packet with `process` (which writes to the store and must not throw)
   * and defers its PUBACK until the store has it. QoS 0 packets have nothing to acknowledge.
   */
  handle(packet: IPublishPacket, callback: (err?: Error) => void, process: () => void): void {
    const go = () => {
      // Stopping: leave it to the broker, which gives it to the next ingest.
      if (this.closed) return callback(DEFERRED);
      process();
      if (packet.qos !== 1 || packet.messageId === undefined) return callback();
      this.pending.push(packet.messageId);
      this.schedule();
      callback(DEFERRED);
    };
    if (this.pending.length >= this.options.maxUnacked && this.cycle) {
      const connection = this.connection;
      // Holding mqtt.js's callback stops it reading: backpressure to the broker.
      this.cycle.then(() => (connection === this.connection ? go() : callback(DEFERRED)));
      return;
    }
    go();
  }

  /**
   * Acknowledges what the store has, waiting at most `timeoutMs` for it; the rest stays
   * unacknowledged and the broker gives it to the next ingest. Then detaches.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.pending.length > 0 || this.cycle) && Date.now() < deadline) {
      this.schedule(true);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => {
        timer = setTimeout(r, Math.max(0, deadline - Date.now()));
      });
      await Promise.race([this.cycle, timeout]);
      clearTimeout(timer);
    }
    this.closed = true;
    this.client?.off('close', this.onClose);
    this.stats.abandoned += this.pending.length;
    this.pending = [];
    this.client = undefined;
  }

  private schedule(now = false): void {
    if (this.cycle || this.pending.length === 0) return;
    const wait = now ? 0 : Math.max(0, this.lastCycleAt + this.options.minIntervalMs - Date.now());
    this.cycle = this.run(wait).finally(() => {
      this.cycle = undefined;
      this.lastCycleAt = Date.now();
      if (!this.closed) this.schedule();
    });
  }

  private async run(waitMs: number): Promise<void> {
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    const connection = this.connection;
    const ids = this.pending;
    this.pending = [];
    try {
      await this.options.flush();
    } catch (err) {
      // Not acknowledged: the broker re-sends them after the next reconnect.
      this.options.onError?.(err);
      this.stats.abandoned += ids.length;
      return;
    }
    this.stats.flushes++;
    const client = this.client;
    if (!client?.connected || connection !== this.connection) {
      this.stats.abandoned += ids.length;
      return;
    }
    const sender = client as unknown as PacketSender;
    for (const messageId of ids) sender._sendPacket({ cmd: 'puback', messageId });
    this.stats.acked += ids.length;
  }
}
