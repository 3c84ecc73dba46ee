/**
 * A FIFO queue on a growable ring buffer: `push` and `shift` are O(1). `Array.prototype.shift`
 * moves every element, so a long Array used as a queue turns O(n) per dequeue; measured in the
 * broker (test/bench/README.md, finding 3) as 12-16 % of its CPU inside mqemitter.
 *
 * It offers exactly the Array subset a queue needs (`push`, `shift`, `length`), so it can stand
 * in for an Array that third-party code uses only as a queue.
 *
 * @example
 * const q = new RingQueue<string>();
 * q.push('a'); q.push('b');
 * q.shift(); // 'a'
 * q.length;  // 1
 */
export class RingQueue<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 64) {
    this.items = new Array<T | undefined>(Math.max(2, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  push(item: T): number {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) % this.items.length] = item;
    return ++this.size;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return item;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}
