import { describe, expect, it } from 'vitest';
import { IpRateLimit } from './ip-rate-limit.ts';

function clockAt(start: number) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

describe('IpRateLimit', () => {
  it('serves a client its budget per minute, then says how long to wait', () => {
    const clock = clockAt(1_000_000);
    const limiter = new IpRateLimit({ limit: 3, clock });
    expect([1, 2, 3].map(() => limiter.take('203.0.113.7').allowed)).toEqual([true, true, true]);
    clock.t += 20_000;
    expect(limiter.take('203.0.113.7')).toEqual({ allowed: false, retryAfterS: 40 });
    expect(limiter.take('198.51.100.1').allowed).toBe(true);
    clock.t += 40_000;
    expect(limiter.take('203.0.113.7')).toEqual({ allowed: true, retryAfterS: 0 });
  });

  it('remembers at most maxKeys clients, forgetting the oldest first', () => {
    const clock = clockAt(0);
    const limiter = new IpRateLimit({ limit: 1, maxKeys: 100, clock });
    for (let i = 0; i < 1000; i++) limiter.take(`10.0.${Math.floor(i / 256)}.${i % 256}`);
    expect(limiter.size).toBe(100);
    // The newest are still limited; the oldest were forgotten and start afresh.
    expect(limiter.take('10.0.3.231').allowed).toBe(false);
    expect(limiter.take('10.0.0.0').allowed).toBe(true);
  });
});
