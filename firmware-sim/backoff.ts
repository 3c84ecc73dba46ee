/**
 * Reconnect delays as field firmware should compute them: exponential growth with a cap, and
 * jitter so that ten thousand buses that lost the broker at the same instant do not all come back
 * in the same second ("equal jitter": half the delay is fixed, half random; AWS Architecture Blog,
 * "Exponential Backoff And Jitter", 2015). The random source is injected, so a seeded device
 * replays the same delays (STYLE.md rule 6).
 */
import { entityRng } from './sampling.ts';

export interface BackoffOptions {
  /** First delay after a loss, before jitter. */
  initialMs: number;
  /** Largest delay, before jitter. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** Share of each delay that is random, 0 (none) .. 1 (full jitter). */
  jitter: number;
  /** Uniform [0, 1); default Math.random. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: Readonly<Omit<BackoffOptions, 'random'>> = {
  initialMs: 1000,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.5,
};

/**
 * @example
 * const backoff = new Backoff({ ...DEFAULT_BACKOFF, random: seededRandom(7) });
 * backoff.next(); // ~500..1000 ms
 * backoff.next(); // ~1000..2000 ms
 * backoff.reset(); // after a successful connect
 */
export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs >= 0) || !(options.maxMs >= options.initialMs))
      throw new RangeError(
        `backoff needs 0 <= initialMs <= maxMs, got ${options.initialMs}..${options.maxMs}`,
      );
    if (!(options.factor >= 1)) throw new RangeError(`backoff factor must be >= 1, got ${options.factor}`);
    if (!(options.jitter >= 0 && options.jitter <= 1))
      throw new RangeError(`backoff jitter must be 0..1, got ${options.jitter}`);
    this.random = options.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.options;
    const cap = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt++;
    return Math.round(cap * (1 - jitter) + cap * jitter * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * The backoff of one device: its jitter is seeded by (seed, device id), so a fleet replays the
 * same reconnect schedule for a seed.
 *
 * @example deviceBackoff(2020, 'bus-k1-01-gw', DEFAULT_BACKOFF).next() // the same delay every run
 */
export function deviceBackoff(
  seed: number,
  deviceId: string,
  options: Omit<BackoffOptions, 'random'> = DEFAULT_BACKOFF,
): Backoff {
  return new Backoff({ ...options, random: entityRng(seed ^ 0xb0ff, deviceId) });
}
