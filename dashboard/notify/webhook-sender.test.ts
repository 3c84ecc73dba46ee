import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backoffMs, sign } from './webhook-sender.ts';

describe('webhook signing and backoff', () => {
  it('signs as sha256=<hex HMAC-SHA256(secret, raw body)>', () => {
    const body = '{"event":"raised"}';
    expect(sign('rahasia-webhook-123', body)).toBe(
      `sha256=${createHmac('sha256', 'rahasia-webhook-123').update(body).digest('hex')}`,
    );
  });

  it('doubles the delay each attempt up to the cap, scaled by jitter in [0.5, 1)', () => {
    const limits = { baseMs: 1000, maxMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, limits, () => 0.999999))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect([1, 2, 3].map((n) => backoffMs(n, limits, () => 0))).toEqual([500, 1000, 2000]);
  });
});
