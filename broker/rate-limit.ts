/**
 * Per-device PUBLISH rate limit (issue #6 item 5): one token bucket per device id, refilled at
 * MQTT_DEVICE_RATE messages per second up to MQTT_DEVICE_BURST.
 *
 * What happens over the limit, and why. MQTT 3.1.1 has no negative PUBACK, and aedes 1.2 can
 * only accept a PUBLISH or close the connection ([MQTT-3.3.5-2]). Acknowledging and dropping a
 * QoS 1 message would lose data the device believes delivered. So a message over the limit is
 * *paced*: the broker holds it (and with it the PUBACK) until the bucket has earned its token.
 * A device whose in-flight window is full waits for that PUBACK, so it slows to the allowed rate
 * and loses nothing. (aedes keeps reading a connection while one of its packets is held, measured
 * in broker/consumer-backpressure.test.ts: the missing PUBACK, not TCP, is what slows a device.) QoS 0 is paced the same way rather than dropped, since aedes has no silent drop.
 * Only sustained excess, a device that has more than MQTT_DEVICE_BURST messages waiting (it
 * ignores backpressure, or pipelines far more than any real firmware's in-flight window), is
 * disconnected: its unacknowledged QoS 1 messages stay in its own buffer and are resent after it
 * reconnects, when the same bucket, kept per device id across connections, paces them again.
 * Services and integration accounts are not limited.
 */
import { type Clock, systemClock } from '../shared/clock.ts';

export type Admission = { action: 'pass' } | { action: 'delay'; ms: number } | { action: 'disconnect' };

/**
 * A token bucket that may go into debt: a message taken without a token waits until the bucket
 * would have earned it.
 *
 * @example
 * const bucket = new TokenBucket(20, 200, 200, clock);
 * bucket.take() // { action: 'pass' } for the first 200, then { action: 'delay', ms: 50 }, ...
 */
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxWaiting: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst;
    this.updated = clock.now();
  }

  take(): Admission {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updated) / 1000) * this.rate);
    this.updated = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { action: 'pass' };
    }
    // Tokens below zero count the messages already waiting for one.
    if (1 - this.tokens > this.maxWaiting + 1e-9) return { action: 'disconnect' };
    this.tokens -= 1;
    return { action: 'delay', ms: Math.ceil((-this.tokens / this.rate) * 1000) };
  }
}

export interface PublishRateLimiterOptions {
  /** Messages per second. */
  rate: number;
  /** Bucket size; also how many messages may wait before the device is disconnected. */
  burst: number;
  clock?: Clock;
}

/**
 * The buckets of every device, keyed by device id. Bounded by the registry: only authenticated
 * devices get a bucket, and a deleted device's is forgotten.
 *
 * @example
 * const limiter = new PublishRateLimiter({ rate: 20, burst: 200 });
 * const admission = limiter.admit('bus-k1-07'); // { action: 'pass' }
 */
export class PublishRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly clock: Clock;

  constructor(private readonly options: PublishRateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
  }

  admit(deviceId: string): Admission {
    let bucket = this.buckets.get(deviceId);
    if (!bucket) {
      const { rate, burst } = this.options;
      bucket = new TokenBucket(rate, burst, burst, this.clock);
      this.buckets.set(deviceId, bucket);
    }
    return bucket.take();
  }

  forget(deviceId: string): void {
    this.buckets.delete(deviceId);
  }

  clear(): void {
    this.buckets.clear();
  }
}
