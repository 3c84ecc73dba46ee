import MQEmitter from 'mqemitter';
import { describe, expect, it } from 'vitest';
import { boundedEmitter } from './bounded-emitter.ts';

/**
 * One slow subscriber holds the only concurrency slot while 20,000 messages queue up; when it
 * completes, every queued message is delivered to a subscriber that completes synchronously.
 */
function drainQueuedBurst(mq: ReturnType<typeof MQEmitter>, total: number) {
  const seen: number[] = [];
  let hold: (() => void) | undefined;
  mq.on('crowd/v1/devices/a/counts', (message, done) => {
    const i = message.i as number;
    if (hold === undefined && i === 0) {
      hold = done;
      return;
    }
    seen.push(i);
    done();
  });
  for (let i = 0; i < total; i++) mq.emit({ topic: 'crowd/v1/devices/a/counts', i });
  return { seen, release: () => hold?.() };
}

describe('boundedEmitter', () => {
  it('reproduces the stack overflow of plain mqemitter (so the fix stays needed and tested)', () => {
    const { release } = drainQueuedBurst(MQEmitter({ concurrency: 1 }), 20_000);
    expect(release).toThrow(/Maximum call stack size exceeded/);
  });

  it('delivers a queued burst of 20,000 messages in order without overflowing the stack', async () => {
    const mq = boundedEmitter({ concurrency: 1 });
    const { seen, release } = drainQueuedBurst(mq, 20_000);
    release();
    await new Promise<void>((resolve) => {
      const check = () => (seen.length === 19_999 ? resolve() : setImmediate(check));
      check();
    });
    expect(seen[0]).toBe(1);
    expect(seen.every((v, i) => v === i + 1)).toBe(true);
  });
});
