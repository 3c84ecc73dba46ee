/**
 * The webhook delivery log (issue 3 "Delivery"), kept in `${DATA_DIR}/deliveries.json`. Keyed by
 * the idempotency key (one per webhook + alarm + event), it is what makes "never delivered twice
 * after a success" hold across restarts: a key already in the log is never enqueued again, and a
 * `pending` record found at start is resumed. It also holds the exact body sent, so a retry (even
 * after a restart) carries the same bytes and the same signature.
 *
 * Bounded: past `max` records the oldest finished ones are dropped; pending ones are never dropped.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { coalescedWriter, readJsonFile, writeJsonFile } from '../json-file.ts';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const NOTIFY_EVENTS = ['raised', 'escalated', 'renotify', 'cleared'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export const deliverySchema = z.object({
  key: z.string(),
  webhookId: z.string(),
  alarmId: z.string(),
  siteId: z.string(),
  event: z.enum(NOTIFY_EVENTS),
  severity: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int().min(0),
  /** HTTP status of the last attempt, null for a network error or none yet. */
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  nextAttemptAt: z.number().nullable(),
  deliveredAt: z.number().nullable(),
  contentType: z.string(),
  body: z.string(),
});
export type Delivery = z.infer<typeof deliverySchema>;

const deliveriesFileSchema = z.object({ version: z.literal(1), deliveries: z.array(deliverySchema) });

/** `GET /api/webhooks/deliveries` element: times as ISO 8601, without the body. */
export function publicDelivery(d: Delivery) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    key: d.key,
    webhookId: d.webhookId,
    alarmId: d.alarmId,
    siteId: d.siteId,
    event: d.event,
    severity: d.severity,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    nextAttemptAt: iso(d.nextAttemptAt),
    deliveredAt: iso(d.deliveredAt),
  };
}

/**
 * @example
 * const log = new DeliveryLog('./data', 2000);
 * await log.load();
 * if (!log.has(key)) await log.put({ key, status: 'pending', ... });
 */
export class DeliveryLog {
  readonly path: string;
  /** Insertion order = creation order (a Map keeps it), so eviction drops the oldest first. */
  private readonly records = new Map<string, Delivery>();
  private readonly save = coalescedWriter(() =>
    writeJsonFile(this.path, { version: 1, deliveries: [...this.records.values()] }),
  );

  constructor(
    dataDir: string,
    private readonly max: number,
  ) {
    this.path = join(dataDir, 'deliveries.json');
  }

  async load(): Promise<void> {
    const file = await readJsonFile(this.path, deliveriesFileSchema, 'Delivery log');
    this.records.clear();
    for (const d of (file?.deliveries ?? []).sort((a, b) => a.createdAt - b.createdAt))
      this.records.set(d.key, d);
  }

  has(key: string): boolean {
    return this.records.has(key);
  }

  get(key: string): Delivery | undefined {
    return this.records.get(key);
  }

  pending(): Delivery[] {
    return [...this.records.values()].filter((d) => d.status === 'pending');
  }

  /** Newest first. */
  list(filter: { webhookId?: string | undefined; limit?: number | undefined } = {}): Delivery[] {
    const all = [...this.records.values()]
      .filter((d) => filter.webhookId === undefined || d.webhookId === filter.webhookId)
      .reverse();
    return filter.limit ? all.slice(0, filter.limit) : all;
  }

  /** All records, oldest first (the notifier rebuilds its rate-limit windows from them). */
  all(): Delivery[] {
    return [...this.records.values()];
  }

  /** Adds or replaces a record and resolves once it is on disk. */
  async put(delivery: Delivery): Promise<void> {
    this.records.set(delivery.key, delivery);
    this.evict();
    await this.save();
  }

  private evict(): void {
    let excess = this.records.size - this.max;
    if (excess <= 0) return;
    for (const [key, d] of this.records) {
      if (excess <= 0) break;
      if (d.status === 'pending') continue;
      this.records.delete(key);
      excess--;
    }
  }
}
