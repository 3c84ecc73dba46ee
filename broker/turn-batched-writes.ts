/**
 * One `writev` per event-loop turn for a connection that receives many messages from many
 * others: ingest's `data` subscription gets every device's message.
 *
 * Why: each device PUBLISH arrives on its own socket, in its own read callback. aedes forwards it
 * to ingest at once and mqtt-packet corks only until the next tick, so without this every
 * forwarded message was a write syscall of its own on ingest's socket (on loopback the kernel
 * also does the receiver's TCP work inside that call) and a read of its own in ingest. Corked
 * until `setImmediate`, everything forwarded while libuv handles one batch of ready sockets (the
 * poll phase) leaves in one `writev`, and ingest reads it in one chunk. The delay is the rest of
 * that poll phase: microseconds when quiet, and under load the batching is the point.
 *
 * Only for service connections (few, busy, local); a device's connection gets one PUBACK at a
 * time and would only pay for the timer.
 */
import type { Writable } from 'node:stream';

/**
 * How far past its high-water mark one turn's batch may buffer before a write reports
 * backpressure. aedes waits for `drain` whenever a write returns false; without this, a batch
 * over 16 KiB (the default mark) would make aedes wait a turn for data that is on its way, and a
 * stop would fail those waits with "connection closed". A connection already backed up when the
 * turn begins reports it at once, so a subscriber that stops reading still hits aedes' drain
 * timeout (MQTT_DRAIN_TIMEOUT_MS).
 */
export const TURN_ALLOWANCE_BYTES = 1024 * 1024;

/**
 * Patches `connection.write` in place and returns the connection.
 *
 * @example
 * aedes.on('client', (client) => { if (isService(client)) batchWritesPerTurn(client.conn); });
 */
export function batchWritesPerTurn<T extends Writable>(connection: T): T {
  const write = connection.write;
  let corked = false;
  /** Buffered bytes under which this turn's writes report no backpressure. */
  let limit = 0;
  const uncork = () => {
    corked = false;
    limit = 0;
    connection.uncork();
  };
  connection.write = function (this: T, ...args: Parameters<Writable['write']>): boolean {
    if (!corked && !connection.destroyed) {
      corked = true;
      const mark = connection.writableHighWaterMark;
      limit = connection.writableLength < mark ? mark + TURN_ALLOWANCE_BYTES : 0;
      connection.cork();
      setImmediate(uncork);
    }
    const ok = write.apply(this, args);
    return ok || connection.writableLength < limit;
  } as Writable['write'];
  return connection;
}
