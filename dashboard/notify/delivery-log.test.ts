import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../test-fixture.ts';
import { type Delivery, DeliveryLog } from './delivery-log.ts';

let data: { dir: string; dispose(): void };
beforeEach(() => {
  data = tempDataDir();
});
afterEach(() => data.dispose());

function delivery(key: string, status: Delivery['status'], createdAt: number): Delivery {
  return {
    key,
    webhookId: 'wh_1',
    alarmId: `pasar-tos-3000:capacity:${createdAt}`,
    siteId: 'pasar-tos-3000',
    event: 'raised',
    severity: 'warning',
    status,
    attempts: 0,
    lastStatus: null,
    lastError: null,
    createdAt,
    updatedAt: createdAt,
    nextAttemptAt: null,
    deliveredAt: null,
    contentType: 'application/json',
    body: '{}',
  };
}

describe('delivery log', () => {
  it('drops the oldest finished records past its bound but never a pending one, and reloads from disk', async () => {
    const log = new DeliveryLog(data.dir, 3);
    await log.put(delivery('a', 'pending', 1));
    await log.put(delivery('b', 'delivered', 2));
    await log.put(delivery('c', 'failed', 3));
    await log.put(delivery('d', 'suppressed', 4));
    await log.put(delivery('e', 'delivered', 5));
    expect(log.list().map((x) => x.key)).toEqual(['e', 'd', 'a']);
    expect(JSON.parse(readFileSync(log.path, 'utf8')).deliveries).toHaveLength(3);

    const again = new DeliveryLog(data.dir, 3);
    await again.load();
    expect(again.has('a') && again.has('e') && !again.has('b')).toBe(true);
    expect(again.pending().map((x) => x.key)).toEqual(['a']);
    expect(again.list({ limit: 1 }).map((x) => x.key)).toEqual(['e']);
  });
});
