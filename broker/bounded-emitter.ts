/**
 * aedes' message emitter (mqemitter 7) with its recursion bounded.
 *
 * Why: once more than `concurrency` messages are in flight, mqemitter queues the rest and, each
 * time one completes, starts the next from inside the completion callback (`released` -> `_do`
 * -> subscribers -> `released` ...). When subscribers complete synchronously the stack grows
 * with the queue, and under sustained load (measured here: 8,000 msg/s from 10,000 devices) the
 * broker dies with "Maximum call stack size exceeded" (aedes issue #193; the fix proposed in
 * mqemitter PR #204 is not released). This wrapper counts the synchronous depth of `released`
 * and continues on the next turn of the event loop (setImmediate) past `maxDepth`, which keeps
 * order and loses nothing: the queue is only drained a turn later.
 *
 * Its two queues (`_messageQueue`, `_messageCallbacks`) are Arrays drained with `shift()`, O(n) per
 * message once the queue is long (12-16 % of broker CPU under load, test/bench/README.md finding
 * 3): they are replaced by ring queues, which mqemitter uses only through push/shift/length.
 *
 * It replaces these internals (`_parallel`, `_released`, the two queues) of the pinned mqemitter 7.x; the test
 * beside this file reproduces the overflow against the real package, so an upgrade that changes
 * them fails loudly instead of silently losing the fix.
 */
import fastparallel from 'fastparallel';
import MQEmitter from 'mqemitter';
import { RingQueue } from '../shared/ring-queue.ts';

interface MQEmitterInternals {
  _parallel: unknown;
  _released: () => void;
  _messageQueue: unknown;
  _messageCallbacks: unknown;
}

export type MessageEmitter = ReturnType<typeof MQEmitter>;

/**
 * @example
 * const aedes = new Aedes({ mq: boundedEmitter({ concurrency: 100 }) });
 */
export function boundedEmitter(options: { concurrency?: number; maxDepth?: number } = {}): MessageEmitter {
  const { concurrency = 100, maxDepth = 64 } = options;
  const mq = MQEmitter({ concurrency });
  const internals = mq as unknown as MQEmitterInternals;
  if (
    typeof internals._released !== 'function' ||
    typeof internals._parallel !== 'function' ||
    !Array.isArray(internals._messageQueue) ||
    !Array.isArray(internals._messageCallbacks)
  ) {
    throw new Error('mqemitter internals changed: broker/bounded-emitter.ts needs updating');
  }
  const released = internals._released;
  let depth = 0;
  const boundedReleased = (): void => {
    if (depth >= maxDepth) {
      setImmediate(boundedReleased);
      return;
    }
    depth++;
    try {
      released();
    } finally {
      depth--;
    }
  };
  internals._messageQueue = new RingQueue(1024);
  internals._messageCallbacks = new RingQueue(1024);
  internals._released = boundedReleased;
  internals._parallel = fastparallel({ results: false, released: boundedReleased });
  return mq;
}
