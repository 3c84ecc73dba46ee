/**
 * What a device holds while it cannot reach the broker: a bounded FIFO (a ring buffer, so a full
 * buffer costs no copying). When full, the OLDEST message is dropped and counted: for cumulative
 * door totals the newest message carries everything the dropped ones did (DOMAIN.md "Counting
 * people"), and a device has a fixed amount of RAM. DESIGN.md: "A device buffers while offline and
 * replays in order with the original `ts`".
 *
 * Why not mqtt.js's own queue: it is unbounded (every publish made while disconnected is kept in
 * memory until the process dies), which is neither what firmware can do nor safe for a process
 * simulating 10,000 devices.
 */

/**
 * @example
 * const buffer = new OfflineBuffer<string>(2);
 * buffer.push('a'); buffer.push('b'); buffer.push('c'); // 'a' dropped
 * buffer.shift(); // 'b'
 * buffer.dropped; // 1
 */
export class OfflineBuffer<T> {
  /** Live items are `items[head..]`; the consumed prefix is cut off in batches (amortised O(1)). */
  private items: T[] = [];
  private head = 0;
  /** Messages dropped because the buffer was full, since creation. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`buffer capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends; drops the oldest when full. */
  push(item: T): void {
    this.items.push(item);
    if (this.size > this.capacity) {
      this.head++;
      this.dropped++;
      this.compact();
    }
  }

  /** Puts a message back at the front (a send that could not go out); when full it is the one dropped. */
  unshift(item: T): void {
    if (this.size >= this.capacity) {
      this.dropped++;
      return;
    }
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head++];
    this.compact();
    return item;
  }

  toArray(): T[] {
    return this.items.slice(this.head);
  }

  private compact(): void {
    if (this.head === this.items.length) {
      // Give the memory back once drained: most of the time a device has nothing buffered.
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
