import { describe, expect, it } from 'vitest';
import { defaultStep, historyQuerySchema, parseTime, resolveHistoryRange } from './history-params.ts';

const NOW = Date.UTC(2026, 10, 28, 8, 0, 0);
const parse = (q: Record<string, string>) => historyQuerySchema.safeParse(q);
const resolve = (q: Record<string, string>) => resolveHistoryRange(historyQuerySchema.parse(q), NOW);

describe('history parameters', () => {
  it('defaults to the last hour with at most 500 buckets', () => {
    expect(resolve({})).toEqual({ ok: true, value: { fromMs: NOW - 3_600_000, toMs: NOW, stepMs: 10_000 } });
  });

  it('accepts ISO 8601 and epoch milliseconds for from and to', () => {
    const r = resolve({ from: '2026-11-28T07:00:00Z', to: String(NOW), step: '1m' });
    expect(r).toEqual({ ok: true, value: { fromMs: NOW - 3_600_000, toMs: NOW, stepMs: 60_000 } });
  });

  it('reads steps as milliseconds or 30s / 5m / 1h / 1d', () => {
    expect(historyQuerySchema.parse({ step: '1500' }).step).toBe(1500);
    expect(historyQuerySchema.parse({ step: '30s' }).step).toBe(30_000);
    expect(historyQuerySchema.parse({ step: '5m' }).step).toBe(300_000);
    expect(historyQuerySchema.parse({ step: '1h' }).step).toBe(3_600_000);
    expect(historyQuerySchema.parse({ step: '1d' }).step).toBe(86_400_000);
  });

  it('rejects unreadable times and steps with a readable reason', () => {
    const r = parse({ from: 'yesterday', step: '5 minutes' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join('.')} ${i.message}`)).toEqual([
      'from must be an ISO 8601 time or epoch milliseconds',
      "step must be milliseconds or a duration like '30s', '5m', '1h'",
    ]);
    expect(parse({ step: '0' }).success).toBe(false);
    // Beyond JavaScript's Date range (±8.64e15 ms) toISOString throws: a 400, not a 500.
    expect(parse({ from: '0', to: '8640000003600000' }).success).toBe(false);
  });

  it('rejects from >= to, ranges over 400 days and steps giving more than 10,000 buckets', () => {
    expect(resolve({ from: String(NOW), to: String(NOW) })).toEqual({
      ok: false,
      error: 'from must be before to',
    });
    expect(resolve({ from: String(NOW - 401 * 86_400_000) })).toMatchObject({ ok: false, error: /400 days/ });
    expect(resolve({ from: String(NOW - 86_400_000), step: '1s' })).toMatchObject({
      ok: false,
      error: /10000 buckets/,
    });
    expect(resolve({ from: String(NOW - 400 * 86_400_000) })).toMatchObject({ ok: true });
  });

  it('picks the smallest readable step that keeps a range within 500 buckets', () => {
    expect(defaultStep(60_000)).toBe(1000);
    expect(defaultStep(86_400_000)).toBe(300_000);
    expect(defaultStep(400 * 86_400_000)).toBe(86_400_000);
    expect((400 * 86_400_000) / defaultStep(400 * 86_400_000)).toBeLessThanOrEqual(500);
  });
});

describe('times without a zone', () => {
  it('reads a date or a time without a zone as Batam time (WIB), and honours a given zone', () => {
    expect(new Date(parseTime('2026-11-29')).toISOString()).toBe('2026-11-28T17:00:00.000Z');
    expect(new Date(parseTime('2026-11-29T08:30')).toISOString()).toBe('2026-11-29T01:30:00.000Z');
    expect(new Date(parseTime('2026-11-29 08:30:15')).toISOString()).toBe('2026-11-29T01:30:15.000Z');
    expect(new Date(parseTime('2026-11-29T08:30Z')).toISOString()).toBe('2026-11-29T08:30:00.000Z');
    expect(new Date(parseTime('2026-11-29T08:30+08:00')).toISOString()).toBe('2026-11-29T00:30:00.000Z');
    expect(parseTime('1764313200000')).toBe(1_764_313_200_000);
    expect(parseTime('yesterday')).toBeNaN();
  });
});
