import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../shared/capacity.ts';
import type { DeviceMessage } from '../shared/device-schemas.ts';
import { RegistryReplica } from '../shared/registry-replica.ts';
import { topics } from '../shared/topics.ts';
import { SiteTracker } from './site-tracker.ts';

const T0 = 1_764_313_200_000;
let registry: RegistryReplica;
let tracker: SiteTracker;

function site(id: string, designCapacity: number, extra: Record<string, unknown> = {}) {
  registry.handle(
    topics.registrySite(id),
    JSON.stringify({ id, name: id, kind: 'market', designCapacity, createdAt: 'x', ...extra }),
  );
}
const counts = (deviceId: string, seq: number, inT: number, outT: number): DeviceMessage => ({
  stream: 'counts',
  deviceId,
  payload: { ts: T0 + seq, seq, in: inT, out: outT },
});
function feed(siteId: string, msg: DeviceMessage, now = T0 + 1000) {
  tracker.apply(siteId, msg, now);
  tracker.evaluate(siteId, now);
  return tracker.snapshot(siteId)!;
}

beforeEach(() => {
  registry = new RegistryReplica('normal');
  tracker = new SiteTracker(registry, () => DEFAULT_THRESHOLDS);
});

describe('SiteTracker', () => {
  it('flags a site with design 10 at policy 50% and 7 people inside as critical', () => {
    site('st', 10, { policyPct: 0.5 });
    expect(feed('st', counts('d1', 1, 7, 0))).toMatchObject({
      occupancy: 7,
      safeCapacity: 5,
      load: 1.4,
      level: 'critical',
      updatedAt: T0 + 1,
    });
  });

  it('sums all door counters of a site and clamps the result at zero', () => {
    site('st', 100);
    feed('st', counts('front', 1, 30, 5));
    expect(feed('st', counts('back', 1, 2, 10)).occupancy).toBe(17);
    expect(feed('st', counts('back', 2, 2, 60)).occupancy).toBe(0);
  });

  it('prefers absolute counts from an occupancy sensor over door totals', () => {
    site('st', 100);
    feed('st', counts('door', 1, 30, 5));
    const s = feed('st', {
      stream: 'occupancy',
      deviceId: 'cam',
      payload: { ts: T0 + 5, seq: 1, count: 12 },
    });
    expect(s.occupancy).toBe(12);
  });

  it("counts the doors again once the occupancy sensor's last will came, and the sensor again when it is back", () => {
    site('st', 1000);
    feed('st', counts('door', 1, 500, 78));
    const cam = (seq: number, count: number): DeviceMessage => ({
      stream: 'occupancy',
      deviceId: 'cam',
      payload: { ts: T0 + seq, seq, count },
    });
    const status = (seq: number, online: boolean): DeviceMessage => ({
      stream: 'status',
      deviceId: 'cam',
      payload: online ? { online, fw: 'x', ts: T0 + seq } : { online },
    });
    expect(feed('st', cam(2, 100)).occupancy).toBe(100);
    expect(feed('st', status(3, false)).occupancy).toBe(422);
    feed('st', status(4, true));
    expect(feed('st', cam(5, 430)).occupancy).toBe(430);
  });

  it('keeps the latest body and ambient temperatures apart', () => {
    site('st', 100);
    feed('st', {
      stream: 'temperature',
      deviceId: 't',
      payload: { ts: T0 + 2, seq: 1, kind: 'body', celsius: 37.9 },
    });
    feed('st', {
      stream: 'temperature',
      deviceId: 't',
      payload: { ts: T0 + 3, seq: 2, kind: 'ambient', celsius: 31 },
    });
    const s = feed('st', {
      stream: 'temperature',
      deviceId: 't',
      payload: { ts: T0 + 1, seq: 3, kind: 'body', celsius: 36 },
    });
    expect(s).toMatchObject({ bodyTempC: 37.9, ambientTempC: 31, occupancy: null, level: 'unknown' });
  });

  it("takes each scanner's readings in its own time order: a scanner running behind still reports", () => {
    site('st', 100);
    const body = (deviceId: string, ts: number, celsius: number): DeviceMessage => ({
      stream: 'temperature',
      deviceId,
      payload: { ts, seq: 1, kind: 'body', celsius },
    });
    const now = T0 + 10 * 60_000;
    expect(tracker.apply('st', body('scanner-a', now + 120_000, 36.5), now)).toBe('applied');
    expect(tracker.apply('st', body('scanner-b', now, 39), now)).toBe('applied');
    expect(tracker.apply('st', body('scanner-b', now - 1000, 36.8), now)).toBe('stale');
    expect(tracker.snapshot('st')?.bodyTempC).toBe(36.5);
  });

  it('counts a door again after one reading stamped far ahead, once the skew limit has passed', () => {
    site('st', 100);
    const at = (seq: number, ts: number, inT: number): DeviceMessage => ({
      stream: 'counts',
      deviceId: 'door',
      payload: { ts, seq, in: inT, out: 0 },
    });
    const now = T0 + 60_000;
    feed('st', at(1, now, 10), now);
    // Year 2096: ordered as if stamped at the clock-skew limit (10 min) ahead.
    expect(feed('st', at(2, 4_000_000_000_000, 11), now)).toMatchObject({
      occupancy: 11,
      updatedAt: now,
    });
    expect(tracker.apply('st', at(3, now + 5 * 60_000, 20), now + 5 * 60_000)).toBe('stale');
    const later = now + 11 * 60_000;
    expect(feed('st', at(4, later, 25), later)).toMatchObject({
      occupancy: 25,
      updatedAt: later,
    });
  });

  it('recomputes safe capacity when the city policy changes', () => {
    site('st', 100);
    expect(feed('st', counts('d', 1, 60, 0))).toMatchObject({ safeCapacity: 100, level: 'ok' });
    registry.handle(
      topics.registryPolicy(),
      JSON.stringify({ id: 'psbb', changedAt: 'x', changedBy: 'admin' }),
    );
    tracker.evaluate('st', T0);
    expect(tracker.snapshot('st')).toMatchObject({ safeCapacity: 50, level: 'critical', policyId: 'psbb' });
  });

  it('lets the area rule win when it is stricter', () => {
    site('st', 100, { areaM2: 90, distanceM: 1.5 });
    expect(feed('st', counts('d', 1, 1, 0)).safeCapacity).toBe(40);
  });

  it('raises a pending warning on the tick once 30 s have passed', () => {
    site('st', 100);
    feed('st', counts('d', 1, 85, 0), T0);
    expect(tracker.tick(T0 + 29_000)).toEqual([]);
    expect(tracker.tick(T0 + 30_000)).toEqual(['st']);
    expect(tracker.snapshot('st')?.level).toBe('warning');
  });
});

describe('SiteTracker device presence', () => {
  const status = (deviceId: string, online: boolean): DeviceMessage => ({
    stream: 'status',
    deviceId,
    payload: online ? { online, fw: '1.4.2', ts: T0 } : { online },
  });
  function device(id: string, siteId: string) {
    registry.handle(
      topics.registryDevice(id),
      JSON.stringify({ id, siteId, type: 'people-counter', secretHash: 'h', createdAt: 'x' }),
    );
  }
  beforeEach(() => {
    site('st', 100);
    site('other', 100);
    for (const id of ['door-b', 'door-a']) device(id, 'st');
  });

  it('lists each device by id with when it was last heard and the online flag of its last status', () => {
    tracker.apply('st', status('door-b', true), T0 + 1);
    tracker.apply('st', counts('door-b', 1, 3, 0), T0 + 5);
    tracker.apply('st', counts('door-a', 1, 1, 0), T0 + 7);
    expect(tracker.snapshot('st')).toMatchObject({
      lastSeenAt: T0 + 7,
      devices: [
        { id: 'door-a', lastSeenAt: T0 + 7, online: null },
        { id: 'door-b', lastSeenAt: T0 + 5, online: true },
      ],
    });
  });

  it('takes the last will as offline without counting it as heard from', () => {
    tracker.apply('st', status('door-a', true), T0 + 1);
    tracker.apply('st', status('door-a', false), T0 + 60_000);
    expect(tracker.snapshot('st')).toMatchObject({
      lastSeenAt: T0 + 1,
      devices: [{ id: 'door-a', lastSeenAt: T0 + 1, online: false }],
    });
  });

  it('takes online from a retained status until a live one arrives, and never counts it as heard from', () => {
    tracker.apply('st', status('door-a', false), T0, true);
    expect(tracker.snapshot('st')).toMatchObject({
      lastSeenAt: null,
      devices: [{ id: 'door-a', lastSeenAt: null, online: false }],
    });
    tracker.apply('st', status('door-a', true), T0 + 1);
    tracker.apply('st', status('door-a', false), T0 + 2, true);
    expect(tracker.snapshot('st')?.devices).toEqual([{ id: 'door-a', lastSeenAt: T0 + 1, online: true }]);
  });

  it('drops a device that was deleted or moved to another site', () => {
    tracker.apply('st', status('door-a', true), T0);
    tracker.apply('st', status('door-b', true), T0);
    device('door-b', 'other');
    expect(tracker.snapshot('st')?.devices?.map((d) => d.id)).toEqual(['door-a']);
    expect(tracker.forgetDevice('door-a')).toEqual(['st']);
    expect(tracker.snapshot('st')?.devices).toEqual([]);
  });
});
