import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../shared/capacity.ts';
import type { DeviceMessage } from '../shared/device-schemas.ts';
import { silentLogger } from '../shared/log.ts';
import { RegistryReplica } from '../shared/registry-replica.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { createMemoryStore } from '../shared/store/memory-store.ts';
import { topics } from '../shared/topics.ts';
import { type Correction, CountCorrections } from './count-corrections.ts';
import { ingestMetrics } from './ingest-metrics.ts';
import { SiteTracker } from './site-tracker.ts';

/** 10:00 WIB on 28 November 2026. */
const T0 = Date.UTC(2026, 10, 28, 3, 0);
/** 04:00 WIB on 29 November. */
const NEXT_RESET = Date.UTC(2026, 10, 28, 21, 0);

let registry: RegistryReplica;
let tracker: SiteTracker;
let store: HistoryStore;
let corrections: CountCorrections;
let corrected: Correction[];

function site(id: string, kind = 'bus') {
  registry.handle(
    topics.registrySite(id),
    JSON.stringify({ id, name: id, kind, designCapacity: 80, createdAt: 'x' }),
  );
}
function counts(siteId: string, deviceId: string, seq: number, inT: number, outT: number) {
  const msg: DeviceMessage = {
    stream: 'counts',
    deviceId,
    payload: { ts: T0 + seq, seq, in: inT, out: outT },
  };
  tracker.apply(siteId, msg, T0);
}
function occupancy(siteId: string, deviceId: string, seq: number, count: number) {
  tracker.apply(siteId, { stream: 'occupancy', deviceId, payload: { ts: T0 + seq, seq, count } }, T0);
}
const live = (siteId: string) => tracker.snapshot(siteId)?.occupancy;

beforeEach(() => {
  registry = new RegistryReplica('normal');
  tracker = new SiteTracker(registry, () => DEFAULT_THRESHOLDS);
  store = createMemoryStore();
  corrected = [];
  corrections = new CountCorrections(
    { resetHour: 4, resetTimeZone: 'Asia/Jakarta' },
    {
      registry,
      tracker,
      store,
      log: silentLogger,
      metrics: ingestMetrics(new Registry()),
      onCorrected: (_siteId, c) => corrected.push(c),
    },
  );
  corrections.start(T0);
  site('bus-k1-07');
});

describe('counting corrections', () => {
  it('zeroes a bus at the end of its line from all its doors, and later counts start from zero', () => {
    counts('bus-k1-07', 'front', 1, 30, 4);
    counts('bus-k1-07', 'rear', 1, 2, 20);
    expect(live('bus-k1-07')).toBe(8);
    const r = corrections.command(
      'bus-k1-07',
      { action: 'reset', reason: 'end-of-line', by: 'dispatch', requestId: 'r' },
      T0 + 10,
    );
    expect(r).toMatchObject({ ok: true, correction: { before: 8, after: 0, reason: 'end-of-line' } });
    expect(live('bus-k1-07')).toBe(0);
    counts('bus-k1-07', 'front', 2, 33, 4);
    expect(live('bus-k1-07')).toBe(3);
  });

  it("sets the live count to an operator's number and keeps counting from there", () => {
    counts('bus-k1-07', 'front', 1, 30, 4);
    const r = corrections.command(
      'bus-k1-07',
      { action: 'correct', occupancy: 20, reason: 'dihitung ulang di halte', by: 'sari', requestId: 'r' },
      T0,
    );
    expect(r).toMatchObject({ ok: true, correction: { before: 26, after: 20 } });
    counts('bus-k1-07', 'front', 2, 35, 6);
    expect(live('bus-k1-07')).toBe(23);
  });

  it('records each correction as a correction point and leaves the raw series alone', async () => {
    counts('bus-k1-07', 'front', 1, 30, 4);
    corrections.command(
      'bus-k1-07',
      { action: 'correct', occupancy: 20, reason: 'x', by: 'sari', requestId: 'a' },
      T0,
    );
    corrections.command(
      'bus-k1-07',
      { action: 'reset', reason: 'manual', by: 'budi', requestId: 'b' },
      T0 + 1,
    );
    const points = await store.points({ measurement: 'correction', fromMs: 0, toMs: T0 * 2 });
    expect(points.map(({ tags, fields: { counts, ...fields } }) => [tags, fields])).toEqual([
      [
        { site: 'bus-k1-07', action: 'correct' },
        { occupancyBefore: 26, occupancyAfter: 20, reason: 'x', by: 'sari' },
      ],
      [
        { site: 'bus-k1-07', action: 'reset' },
        { occupancyBefore: 20, occupancyAfter: 0, reason: 'manual', by: 'budi' },
      ],
    ]);
    // The correction state after each, for a restarted ingest to continue from.
    expect(JSON.parse(points[0]!.fields.counts as string)).toEqual({
      offset: -6,
      doors: { front: { baseIn: 0, baseOut: 0, carried: 0, lastIn: 30, lastOut: 4 } },
    });
    expect(JSON.parse(points[1]!.fields.counts as string)).toMatchObject({
      offset: 0,
      doors: { front: { baseIn: 30 } },
    });
    expect(await store.points({ measurement: 'counts', fromMs: 0, toMs: T0 * 2 })).toEqual([]);
    expect(corrected.map((c) => c.action)).toEqual(['correct', 'reset']);
  });

  it('lets a restarted ingest continue from the stored correction state, even a reset made before a door spoke again', async () => {
    counts('bus-k1-07', 'front', 1, 30, 4);
    counts('bus-k1-07', 'rear', 1, 10, 0);
    corrections.command(
      'bus-k1-07',
      { action: 'reset', reason: 'end-of-line', by: 'dispatch', requestId: 'a' },
      T0,
    );
    const restarted = new SiteTracker(registry, () => DEFAULT_THRESHOLDS);
    const again = new CountCorrections(
      { resetHour: 4, resetTimeZone: 'Asia/Jakarta' },
      {
        registry,
        tracker: restarted,
        store,
        log: silentLogger,
        metrics: ingestMetrics(new Registry()),
        onCorrected: () => {},
      },
    );
    expect(await again.restore(store, T0, 86_400_000)).toBe(1);
    restarted.apply(
      'bus-k1-07',
      { stream: 'counts', deviceId: 'front', payload: { ts: T0 + 9, seq: 9, in: 33, out: 4 } },
      T0,
    );
    expect(restarted.snapshot('bus-k1-07')?.occupancy).toBe(3);
    again.command('bus-k1-07', { action: 'reset', reason: 'manual', by: 'sari', requestId: 'b' }, T0 + 1);
    restarted.apply(
      'bus-k1-07',
      { stream: 'counts', deviceId: 'rear', payload: { ts: T0 + 9, seq: 9, in: 15, out: 1 } },
      T0,
    );
    expect(restarted.snapshot('bus-k1-07')?.occupancy).toBe(0);
  });

  it('leaves absolute sensors alone on a reset (they do not drift) but drops an offset', () => {
    site('pasar-tos', 'market');
    occupancy('pasar-tos', 'cam', 1, 40);
    corrections.command(
      'pasar-tos',
      { action: 'correct', occupancy: 35, reason: 'staf', by: 'sari', requestId: 'a' },
      T0,
    );
    expect(live('pasar-tos')).toBe(35);
    corrections.command('pasar-tos', { action: 'reset', reason: 'manual', by: 'sari', requestId: 'b' }, T0);
    expect(live('pasar-tos')).toBe(40);
  });

  it('refuses an unknown site and a correction before any count', () => {
    expect(
      corrections.command('ghost', { action: 'reset', reason: 'manual', by: 's', requestId: 'a' }, T0),
    ).toEqual({
      ok: false,
      error: "unknown site 'ghost'",
    });
    expect(
      corrections.command(
        'bus-k1-07',
        { action: 'correct', occupancy: 3, reason: 'x', by: 's', requestId: 'b' },
        T0,
      ),
    ).toMatchObject({ ok: false });
  });

  it('runs the daily reset once at 04:00 WIB for every counted site, as the system', () => {
    counts('bus-k1-07', 'front', 1, 30, 4);
    site('bus-k2-01');
    counts('bus-k2-01', 'front', 1, 12, 2);
    expect(corrections.nextDailyReset()).toBe(NEXT_RESET);
    expect(corrections.tick(NEXT_RESET - 1)).toBe(0);
    expect(live('bus-k1-07')).toBe(26);
    expect(corrections.tick(NEXT_RESET)).toBe(2);
    expect(corrections.tick(NEXT_RESET + 1000)).toBe(0);
    expect([live('bus-k1-07'), live('bus-k2-01')]).toEqual([0, 0]);
    expect(corrected.map((c) => [c.siteId, c.reason, c.by, c.before])).toEqual([
      ['bus-k1-07', 'daily', 'system', 26],
      ['bus-k2-01', 'daily', 'system', 10],
    ]);
    expect(corrections.nextDailyReset()).toBe(NEXT_RESET + 86_400_000);
  });
});
