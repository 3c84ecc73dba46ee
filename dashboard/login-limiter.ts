/**
 * Login rate limiting (issue #6 item 5, docs/security.md "Login limiting"): a sliding window of
 * failed attempts per (username, client IP) and per client IP. Over either limit, `POST
 * /api/login` answers 429 with `Retry-After` (seconds) without running scrypt at all, so a
 * guessing script costs neither guesses nor CPU.
 *
 * Why (username, IP) and not the username alone: a per-username lock lets anyone lock the admin
 * out of the city's dashboard by typing wrong passwords at it (a lockout DoS). Keyed by user and
 * IP, an attacker only locks out themselves; the per-IP limit bounds how many accounts one
 * address may try. The price: a botnet gets LOGIN_MAX_FAILURES guesses per address per window,
 * which scrypt-hashed passwords of 8+ characters can afford.
 *
 * Every attempt is counted as a failure *before* the password is checked and taken back on
 * success, so a burst of parallel requests cannot slip past the limit while scrypt runs. Memory is
 * bounded: at most `maxKeys` keys (least recently used evicted), each holding at most `max`
 * timestamps.
 */
import type { Clock } from '../shared/clock.ts';

export interface LoginLimits {
  /** Failures per (username, IP) in the window. */
  maxPerUserIp: number;
  /** Failures per IP in the window, any username. */
  maxPerIp: number;
  windowMs: number;
  /** Most keys remembered (both kinds together). */
  maxKeys: number;
}

export type LoginAttempt =
  | {
      allowed: true /** Call on a correct password: forgets this user's failures from this IP. */;
      succeeded(): void;
    }
  | { allowed: false; retryAfterSeconds: number; scope: 'user-ip' | 'ip' };

/**
 * @example
 * const limiter = new LoginLimiter({ maxPerUserIp: 5, maxPerIp: 50, windowMs: 900_000, maxKeys: 10_000 }, clock);
 * const attempt = limiter.attempt('203.0.113.9', 'admin');
 * if (!attempt.allowed) return tooMany(attempt.retryAfterSeconds);
 * if (await users.authenticate(username, password)) attempt.succeeded();
 */
export class LoginLimiter {
  /** Key -> failure times (oldest first). Map order doubles as the LRU order. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly clock: Clock,
  ) {}

  /** Number of keys held (for tests and the metrics gauge). */
  get size(): number {
    return this.failures.size;
  }

  attempt(ip: string, username: string): LoginAttempt {
    const now = this.clock.now();
    const userKey = `u\u0000${ip}\u0000${username}`;
    const ipKey = `ip\u0000${ip}`;
    const user = this.recent(userKey, now);
    const byIp = this.recent(ipKey, now);
    const wait = (times: number[], max: number) =>
      times.length >= max
        ? Math.max(1, Math.ceil((times[times.length - max]! + this.limits.windowMs - now) / 1000))
        : 0;
    const userWait = wait(user, this.limits.maxPerUserIp);
    const ipWait = wait(byIp, this.limits.maxPerIp);
    if (userWait || ipWait)
      return userWait >= ipWait
        ? { allowed: false, retryAfterSeconds: userWait, scope: 'user-ip' }
        : { allowed: false, retryAfterSeconds: ipWait, scope: 'ip' };
    this.record(userKey, user, now, this.limits.maxPerUserIp);
    this.record(ipKey, byIp, now, this.limits.maxPerIp);
    return {
      allowed: true,
      succeeded: () => {
        this.failures.delete(userKey);
        // Take back only this attempt from the IP: a valid login must not wipe the IP's record
        // of guesses at other accounts.
        const times = this.failures.get(ipKey);
        const at = times?.lastIndexOf(now) ?? -1;
        if (times && at >= 0) times.splice(at, 1);
        if (times?.length === 0) this.failures.delete(ipKey);
      },
    };
  }

  /** The failures of `key` still inside the window; drops the key when none are. */
  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const from = now - this.limits.windowMs;
    const kept = times.filter((t) => t > from);
    if (kept.length === 0) this.failures.delete(key);
    return kept;
  }

  private record(key: string, times: number[], now: number, max: number): void {
    times.push(now);
    // Only the newest `max` failures decide the wait, so older ones need not be kept.
    if (times.length > max) times.splice(0, times.length - max);
    this.failures.delete(key);
    this.failures.set(key, times);
    while (this.failures.size > this.limits.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }
}
