/**
 * One compacting full collection after a connection storm, so the broker gives back the heap the
 * storm left behind.
 *
 * Why: when thousands of devices connect at once (a broker restart, a cell tower back), every
 * connection's short-lived parser, authentication and session-replay objects pass through V8's
 * old generation, and V8 keeps the heap it grew to: with 10,000 devices ~180 MB committed for
 * ~105 MB live, and how much more depends on when its last full collection happened to land
 * (broker RSS 238-303 MiB over runs of the same code, `npm run bench` phase A). V8 does not
 * collect while the fleet is idle, and an ordinary collection only evacuates a few pages.
 *
 * So, once no device has connected for `quietMs` after at least `minConnects`, the broker runs
 * one full collection with compaction of every page. It pauses the broker once (about 0.1-0.3 s
 * at 10,000 devices), at a moment chosen because nothing is connecting. Unlike V8's
 * optimize-for-size mode (tried in session 5: the heap then grew in small steps under load and
 * p99 publish→dashboard doubled), V8's heap growth afterwards is its normal one.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface BurstCompactionOptions {
  /** Connections in a burst before it counts as one (default 1,000). */
  minConnects?: number;
  /** Time without a connect that ends a burst (default 1,000 ms). */
  quietMs?: number;
  /** Runs the collection; default a compacting full GC (tests pass their own). */
  compact?: () => void;
  onCompacted?: (info: { connects: number; ms: number }) => void;
  /** Milliseconds, monotonic (default performance.now). */
  now?: () => number;
}

let exposedGc: (() => void) | undefined;

/** A full garbage collection that compacts every page, from any Node process. */
export function compactingGc(): void {
  if (!exposedGc) {
    // `gc` exists only in contexts created after --expose-gc is set; one context is enough.
    setFlagsFromString('--expose-gc');
    exposedGc = runInNewContext('gc') as () => void;
  }
  const gc = exposedGc;
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/**
 * @example
 * const compaction = new BurstCompaction({ onCompacted: (i) => log.info(i, 'heap compacted after a connect burst') });
 * aedes.on('client', () => compaction.connected());
 * // at a stop:
 * compaction.stop();
 */
export class BurstCompaction {
  private connects = 0;
  private lastConnectAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private readonly minConnects: number;
  private readonly quietMs: number;
  private readonly now: () => number;

  constructor(private readonly options: BurstCompactionOptions = {}) {
    this.minConnects = options.minConnects ?? 1000;
    this.quietMs = options.quietMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
  }

  /** A client connected: the burst goes on, and its end is `quietMs` from now. */
  connected(): void {
    const now = this.now();
    // Connects spread out over time are no burst: the count starts again after a quiet gap.
    if (now - this.lastConnectAt > this.quietMs && !this.timer) this.connects = 0;
    this.lastConnectAt = now;
    this.connects += 1;
    if (this.connects < this.minConnects) return;
    // Re-arming a timer per connect is cheap (timers.refresh), unlike a new one.
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.burstEnded(), this.quietMs).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private burstEnded(): void {
    this.timer = undefined;
    const connects = this.connects;
    this.connects = 0;
    const started = this.now();
    (this.options.compact ?? compactingGc)();
    this.options.onCompacted?.({ connects, ms: Math.round(this.now() - started) });
  }
}
