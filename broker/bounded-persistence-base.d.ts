/**
 * aedes-persistence 11 ships no declaration beside `asyncPersistence.js` (its `types/` copy is
 * not found by NodeNext resolution, and types `outgoingClearMessageId` as always finding a
 * packet). This declares the slice broker/bounded-persistence.ts extends, and the abstract test
 * suite its test runs.
 */
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream';

  export default class MemoryPersistence {
    setup(broker: unknown): Promise<void>;
    outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void>;
    outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: object): Promise<void>;
    outgoingUpdate(client: { id: string }, packet: object): Promise<void>;
    outgoingClearMessageId(client: { id: string }, packet: object): Promise<object | undefined>;
    outgoingStream(client: { id: string }): Readable;
    storeRetained(packet: {
      topic: string;
      payload: Buffer | string;
      [field: string]: unknown;
    }): Promise<void>;
    createRetainedStreamCombi(patterns: string[]): Readable;
    subscriptionsByTopic(topic: string): Promise<Array<{ clientId: string; topic: string; qos: number }>>;
    destroy(): Promise<void>;
  }
}

declare module 'aedes-persistence/abstract.js' {
  export default function abstractPersistence(options: {
    test: (name: string, fn: (t: unknown) => Promise<void> | void) => void;
    persistence: () => unknown;
    testAsync?: boolean;
  }): void;
}
