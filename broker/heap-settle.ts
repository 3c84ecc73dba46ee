/**
 * Returning a connection burst's garbage to the operating system.
 *
 * When thousands of devices connect at once (a fleet powering up, or reconnecting after a broker
 * restart), each CONNECT leaves garbage that lives long enough to be promoted (authentication,
 * the birth message, aedes' connect pipeline). V8 grows the old generation for it and keeps the
 * pages committed afterwards, because nothing makes it collect again soon: at 10,000 devices
 * 170-180 MB of heap held 102 MB of live objects (test/bench/README.md, session 5).
 *
 * A plain full collection frees that garbage but returns almost no pages: the live connections
 * are scattered over them and V8 evacuates only a few MB per collection. Forcing compaction of
 * every page returns them all at once, but copies the whole live heap first and raised the
 * broker's peak RSS by 100 MB. What works: full collections in V8's optimize-for-size mode, one
 * per second (each evacuates the most fragmented pages; the first frees the garbage and so finds
 * them) until less than 10 % of the heap is free, a collection after the first returns less than
 * 4 MiB, or after six: heap 174 -> 121 MB in four collections of 0.1-0.15 s, broker RSS about
 * 40 MiB lower, with no higher peak.
 *
 * The price: having returned memory, V8 grows the heap conservatively (its memory reducer waits
 * for an idle moment, and until then the old generation may grow by 30 % between collections), so
 * under steady load the broker runs an incremental full collection every few seconds instead of
 * one in 40 s. At 4,000 msg/s that kept broker peak RSS at 251-301 MiB instead of 325-385, for
 * broker CPU per message within the (wide) run-to-run spread: 0.146-0.169 CPU s per 1,000
 * messages against 0.127-0.155 without (three runs with, four without). MQTT_HEAP_SETTLE_CONNECTS=0 turns
 * it off.
 *
 * It starts at the first whole second without a new connection after a burst of at least
 * `minConnects`, and stops as soon as connections arrive again. Steady reconnect churn (a few
 * devices a second) never adds up to a burst: the count starts again at every quiet second. It
 * needs `--expose-gc` (SERVICE_NODE_FLAGS, docker-compose.yml); without it this does nothing.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import type { Logger } from '../shared/log.ts';

/** Free space in the committed heap below which it counts as compact. */
const COMPACT_FREE_SHARE = 0.1;
/** A collection after the first that returns less than this ends the settle. */
const MIN_RETURNED_BYTES = 4 * 2 ** 20;

export interface HeapSettleOptions {
  /** Connections in one burst that start a settle (default 1,000); 0 turns it off. */
  minConnects?: number;
  /** How often the connect count is looked at; a whole period without connects ends a burst. */
  periodMs?: number;
  /** Collections per settle at most (default 6). */
  maxCollections?: number;
  /** One full collection; default: V8's in optimize-for-size mode (undefined without `--expose-gc`). */
  collect?: (() => void) | undefined;
  /** Committed and used heap bytes (default: V8's heap statistics). */
  heap?: () => HeapSize;
  log: Logger;
}

/** One full collection in V8's optimize-for-size mode, or undefined without `--expose-gc`. */
export function memoryReducingCollection(): (() => void) | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  return () => {
    setFlagsFromString('--optimize-for-size');
    try {
      gc();
    } finally {
      setFlagsFromString('--no-optimize-for-size');
    }
  };
}

export interface HeapSize {
  total: number;
  used: number;
}

interface Settling {
  connects: number;
  collections: number;
  startBytes: number;
  lastBytes: number;
  pauseMs: number;
}

/**
 * @example
 * const settler = new HeapSettler({ log });
 * aedes.on('client', () => settler.connected());
 * settler.start(); // ... settler.stop();
 */
export class HeapSettler {
  readonly #minConnects: number;
  readonly #periodMs: number;
  readonly #maxCollections: number;
  readonly #collect: (() => void) | undefined;
  readonly #heap: () => HeapSize;
  readonly #log: Logger;
  #inPeriod = 0;
  #burst = 0;
  #settling: Settling | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HeapSettleOptions) {
    this.#minConnects = options.minConnects ?? 1_000;
    this.#periodMs = options.periodMs ?? 1_000;
    this.#maxCollections = options.maxCollections ?? 6;
    this.#collect = 'collect' in options ? options.collect : memoryReducingCollection();
    this.#heap =
      options.heap ??
      (() => {
        const stats = getHeapStatistics();
        return { total: stats.total_heap_size, used: stats.used_heap_size };
      });
    this.#log = options.log;
  }

  /** Whether settling can happen at all (a collection is available and the threshold is not 0). */
  get enabled(): boolean {
    return this.#collect !== undefined && this.#minConnects > 0;
  }

  start(): void {
    if (!this.enabled || this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#periodMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Called for every client that completed its CONNECT. */
  connected(): void {
    this.#inPeriod++;
  }

  #tick(): void {
    if (this.#inPeriod > 0) {
      if (this.#settling) this.#finish('connections arrived');
      this.#burst += this.#inPeriod;
      this.#inPeriod = 0;
      return;
    }
    if (this.#settling) {
      const s = this.#settling;
      const heap = this.#heap();
      // The first collection frees the garbage; the pages come back in the ones after it.
      if (heap.total - heap.used < heap.total * COMPACT_FREE_SHARE) this.#finish('heap compact');
      else if (s.collections > 1 && s.lastBytes - heap.total < MIN_RETURNED_BYTES)
        this.#finish('no more returned');
      else if (s.collections >= this.#maxCollections) this.#finish('most collections done');
      else this.#collectOnce(s);
      return;
    }
    const burst = this.#burst;
    this.#burst = 0;
    if (burst < this.#minConnects) return;
    const bytes = this.#heap().total;
    this.#settling = { connects: burst, collections: 0, startBytes: bytes, lastBytes: bytes, pauseMs: 0 };
    this.#collectOnce(this.#settling);
  }

  #collectOnce(s: Settling): void {
    s.lastBytes = this.#heap().total;
    const started = performance.now();
    this.#collect?.();
    s.pauseMs += performance.now() - started;
    s.collections++;
  }

  #finish(why: string): void {
    const s = this.#settling!;
    this.#settling = undefined;
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    this.#log.info(
      {
        connects: s.connects,
        collections: s.collections,
        pauseMs: Math.round(s.pauseMs),
        heapMiB: [mib(s.startBytes), mib(this.#heap().total)],
        why,
      },
      'heap settled after a connection burst',
    );
  }
}
