/**
 * Query parameters of `GET /api/sites/:id/history?from=&to=&step=`: times as ISO 8601 (without a
 * zone: Batam time, WIB) or epoch ms, the step as ms or `30s` / `5m` / `1h` / `1d`. Bounds keep one request from asking the
 * store for millions of buckets.
 */
import { z } from 'zod';
import { MAX_HISTORY_BUCKETS } from '../shared/store/history-store.ts';

export const DEFAULT_RANGE_MS = 3_600_000;
export const TARGET_BUCKETS = 500;
/** The stores refuse more (shared/store/history-store.ts); checking here gives the caller a 400. */
export const MAX_BUCKETS = MAX_HISTORY_BUCKETS;
export const MAX_RANGE_MS = 400 * 86_400_000;

/** The largest epoch milliseconds a JavaScript Date holds (ECMA-262 21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Steps a person reads easily; the default is the smallest giving at most TARGET_BUCKETS. */
const NICE_STEPS_MS = [
  1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
].map((s) => s * 1000);

/** Batam's offset (WIB, no daylight saving). */
const WIB_OFFSET = '+07:00';

/**
 * Epoch ms of `value`. A time written without a zone is Batam time, as operators mean it (not
 * UTC for a date and the server's zone for a time, as Date.parse would read them).
 *
 * @example parseTime('2026-11-29') // 2026-11-28T17:00:00.000Z
 */
export function parseTime(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return Number.NaN;
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return Date.parse(value);
  return Date.parse(`${value.length === 10 ? `${value}T00:00` : value.replace(' ', 'T')}${WIB_OFFSET}`);
}

const time = z.string().transform((value, ctx) => {
  const ms = parseTime(value);
  // Beyond ±8.64e15 ms a Date is invalid and toISOString() throws: `to=8640000003600000` was a 500.
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time or epoch milliseconds' });
    return z.NEVER;
  }
  return ms;
});

const step = z.string().transform((value, ctx) => {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? 'ms']! : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 1) {
    ctx.addIssue({ code: 'custom', message: "must be milliseconds or a duration like '30s', '5m', '1h'" });
    return z.NEVER;
  }
  return ms;
});

export const historyQuerySchema = z.object({
  from: time.optional(),
  to: time.optional(),
  step: step.optional(),
});

export interface HistoryRange {
  fromMs: number;
  toMs: number;
  stepMs: number;
}

export function defaultStep(rangeMs: number): number {
  return (
    NICE_STEPS_MS.find((s) => rangeMs / s <= TARGET_BUCKETS) ??
    Math.ceil(rangeMs / TARGET_BUCKETS / 86_400_000) * 86_400_000
  );
}

/**
 * Fills defaults (the last hour up to now) and checks the bounds; the error string is for a 400.
 *
 * @example resolveHistoryRange({ from: 0, to: 3_600_000 }, Date.now()) // { ok: true, value: { fromMs: 0, toMs: 3600000, stepMs: 10000 } }
 */
export function resolveHistoryRange(
  query: z.infer<typeof historyQuerySchema>,
  now: number,
): { ok: true; value: HistoryRange } | { ok: false; error: string } {
  const toMs = query.to ?? now;
  const fromMs = query.from ?? toMs - DEFAULT_RANGE_MS;
  if (fromMs >= toMs) return { ok: false, error: 'from must be before to' };
  const range = toMs - fromMs;
  if (range > MAX_RANGE_MS) return { ok: false, error: 'the range from..to must be at most 400 days' };
  const stepMs = query.step ?? defaultStep(range);
  if (range / stepMs > MAX_BUCKETS)
    return { ok: false, error: `step gives more than ${MAX_BUCKETS} buckets; use a larger step` };
  return { ok: true, value: { fromMs, toMs, stepMs } };
}
