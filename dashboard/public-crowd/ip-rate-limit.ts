/**
 * A per-client request budget for the open endpoints (public crowd guide, GTFS feeds), which
 * answer without login. Fixed one-minute windows per IP in a bounded map: when full, the oldest
 * window is forgotten first (Map keeps insertion order), so a flood of spoofed or rotating
 * addresses costs bounded memory and at worst resets someone's budget early.
 */
import type { Clock } from '../../shared/clock.ts';

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until the client's window turns (for `Retry-After`); 0 when allowed. */
  retryAfterS: number;
}

export interface IpRateLimitOptions {
  /** Requests per client per window. */
  limit: number;
  windowMs?: number;
  /** Most clients remembered at once. */
  maxKeys?: number;
  clock: Clock;
}

/**
 * @example
 * const limiter = new IpRateLimit({ limit: 60, clock: systemClock });
 * const { allowed, retryAfterS } = limiter.take('203.0.113.7');
 */
export class IpRateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(private readonly options: IpRateLimitOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Counts one request of `key` and says whether it may be served. */
  take(key: string): RateDecision {
    const now = this.options.clock.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      this.windows.delete(key);
      while (this.windows.size >= this.maxKeys) {
        const oldest = this.windows.keys().next().value;
        if (oldest === undefined) break;
        this.windows.delete(oldest);
      }
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.options.limit) return { allowed: true, retryAfterS: 0 };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) };
  }

  /** Clients currently remembered (tests check the bound). */
  get size(): number {
    return this.windows.size;
  }
}
