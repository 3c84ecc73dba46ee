import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.ts';

const LIMITS = { maxPerUserIp: 5, maxPerIp: 50, windowMs: 15 * 60_000, maxKeys: 10_000 };

function limiter(limits = LIMITS) {
  let now = Date.UTC(2026, 10, 28, 2, 0, 0);
  const l = new LoginLimiter(limits, { now: () => now });
  return {
    l,
    advance(ms: number) {
      now += ms;
    },
    /** `n` attempts that all fail (allowed ones are simply not marked succeeded). */
    fail(ip: string, user: string, n = 1) {
      return Array.from({ length: n }, () => l.attempt(ip, user));
    },
  };
}

describe('LoginLimiter', () => {
  it('refuses the 6th failure of one user from one IP with the seconds until the oldest leaves the window', () => {
    const { l, fail, advance } = limiter();
    fail('203.0.113.9', 'admin');
    advance(60_000);
    expect(fail('203.0.113.9', 'admin', 4).every((a) => a.allowed)).toBe(true);
    expect(l.attempt('203.0.113.9', 'admin')).toEqual({
      allowed: false,
      retryAfterSeconds: 15 * 60 - 60,
      scope: 'user-ip',
    });
    // Sliding: once the first failure is 15 min old, exactly one more attempt is allowed.
    advance(14 * 60_000);
    expect(l.attempt('203.0.113.9', 'admin').allowed).toBe(true);
    expect(l.attempt('203.0.113.9', 'admin')).toMatchObject({ allowed: false, retryAfterSeconds: 60 });
  });

  it('does not lock the same user out from another IP (no lockout DoS on the admin)', () => {
    const { l, fail } = limiter();
    fail('198.51.100.66', 'admin', 20);
    expect(l.attempt('198.51.100.66', 'admin').allowed).toBe(false);
    expect(l.attempt('203.0.113.9', 'admin').allowed).toBe(true);
  });

  it('limits one IP across usernames at the per-IP limit', () => {
    const { l, fail } = limiter();
    for (let i = 0; i < 10; i++)
      expect(fail('198.51.100.66', `user-${i}`, 5).every((a) => a.allowed)).toBe(true);
    expect(l.attempt('198.51.100.66', 'user-99')).toMatchObject({ allowed: false, scope: 'ip' });
    expect(l.attempt('203.0.113.9', 'user-99').allowed).toBe(true);
  });

  it("resets the user's counter on success but keeps the IP's record of other guesses", () => {
    const { l, fail } = limiter({ ...LIMITS, maxPerIp: 8 });
    fail('203.0.113.9', 'ops', 4);
    fail('203.0.113.9', 'someone-else', 3);
    const ok = l.attempt('203.0.113.9', 'ops');
    expect(ok.allowed).toBe(true);
    if (ok.allowed) ok.succeeded();
    // ops starts afresh (5 allowed), but the IP still holds 7 failures, so only one more fits.
    expect(l.attempt('203.0.113.9', 'ops').allowed).toBe(true);
    expect(l.attempt('203.0.113.9', 'ops')).toMatchObject({ allowed: false, scope: 'ip' });
  });

  it('counts attempts before the password is checked, so a parallel burst cannot exceed the limit', () => {
    const { fail } = limiter();
    const burst = fail('203.0.113.9', 'admin', 100);
    expect(burst.filter((a) => a.allowed)).toHaveLength(5);
  });

  it('keeps memory bounded: at most maxKeys keys, least recently used evicted first', () => {
    const { l, fail } = limiter({ ...LIMITS, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) fail(`10.0.${i >> 8}.${i & 255}`, 'admin');
    expect(l.size).toBeLessThanOrEqual(100);
    // The newest keys are the ones kept.
    fail('10.0.3.231', 'admin', 4);
    expect(l.attempt('10.0.3.231', 'admin').allowed).toBe(false);
  });

  it('forgets keys whose failures all left the window', () => {
    const { l, fail, advance } = limiter();
    fail('203.0.113.9', 'admin', 5);
    advance(LIMITS.windowMs);
    expect(l.attempt('203.0.113.9', 'admin').allowed).toBe(true);
    expect(l.size).toBe(2);
  });
});
