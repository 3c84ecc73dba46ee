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
 * Patches `connection.write` in place and returns the connection.
 *
 * @example
 * aedes.on('client', (client) => { if (isService(client)) batchWritesPerTurn(client.conn); });
 */
export function batchWritesPerTurn<T extends Writable>(connection: T): T {
  const write = connection.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    connection.uncork();
  };
  connection.write = function (this: T, ...args: Parameters<Writable['write']>): boolean {
    if (!corked && !connection.destroyed) {
      corked = true;
      connection.cork();
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Writable['write'];
  return connection;
}
