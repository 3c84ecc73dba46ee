/**
 * Seeded history for the report tests (store, routes and browser): two WIB days of one market
 * with state carried across both midnights, a stale gap, fever and ambient readings and one
 * capacity alarm raised, escalated, acknowledged and cleared the next day. Not a test file.
 */
import type { Site } from '../../shared/registry-schemas.ts';
import type { StorePoint } from '../../shared/store/history-store.ts';
import { wibDayStart } from './report-days.ts';

export const MIN = 60_000;
/** 00:00 WIB on 20 Nov 2026 and on the next day. */
export const D0 = wibDayStart('2026-11-20')!;
export const D1 = wibDayStart('2026-11-21')!;
export const NOW = D1 + 120 * MIN;

const site = (id: string, name: string): Site =>
  ({
    id,
    name,
    kind: 'market',
    designCapacity: 400,
    createdAt: '2026-01-01T00:00:00.000Z',
  }) as unknown as Site;
export const TOS = site('pasar-tos-3000', 'Pasar Tos 3000');
export const MPP = site('mpp-batam', 'MPP Batam');

export const state = (siteId: string, ts: number, occupancy: number, level: string): StorePoint => ({
  measurement: 'site_state',
  tags: { site: siteId, kind: 'market' },
  fields: { occupancy, safeCapacity: 200, load: occupancy / 200, level },
  ts,
});

export const body = (
  siteId: string,
  device: string,
  ts: number,
  celsius: number,
  type = 'body',
): StorePoint => ({
  measurement: 'temperature',
  tags: { site: siteId, device, kind: 'market', type },
  fields: { celsius, seq: 1 },
  ts,
});

export const alarmId = `${TOS.id}:capacity:${D0 + 6 * MIN}`;
function alarmEvent(
  ts: number,
  action: string,
  severity: string,
  extra: Record<string, unknown> = {},
  id = alarmId,
) {
  const alarm = {
    id,
    siteId: TOS.id,
    type: 'capacity',
    severity,
    state: 'open',
    raisedAt: Number(id.split(':')[2]),
    updatedAt: ts,
    acknowledgedAt: null,
    acknowledgedBy: null,
    clearedAt: null,
    clearedBy: null,
    assignee: null,
    details: {},
    history: [],
    ...extra,
  };
  return {
    measurement: 'alarm_event',
    tags: { site: TOS.id, type: 'capacity', action },
    fields: { alarmId: id, severity, state: alarm.state, by: 'system', alarm: JSON.stringify(alarm) },
    ts,
  } satisfies StorePoint;
}

/**
 * Day D (20 Nov): critical state carried in from 23:58 the evening before; 300 at 00:06 is the
 * peak; heartbeats stop at 00:10 (stale after 5 min), resume at 01:00 for one point, then a last
 * state at 23:59 that carries into D+1 for 4 minutes (stale at 00:04).
 */
export const SEED: StorePoint[] = [
  state(TOS.id, D0 - 30 * MIN, 999, 'critical'),
  state(TOS.id, D0 - 2 * MIN, 250, 'critical'),
  state(TOS.id, D0 + 3 * MIN, 150, 'warning'),
  state(TOS.id, D0 + 6 * MIN, 300, 'critical'),
  state(TOS.id, D0 + 10 * MIN, 100, 'ok'),
  state(TOS.id, D0 + 60 * MIN, 210, 'critical'),
  state(TOS.id, D1 - 1 * MIN, 260, 'critical'),
  state(TOS.id, D1 + 30 * MIN, 50, 'ok'),
  state(MPP.id, D0 + MIN, 9999, 'critical'),
  body(TOS.id, 'tos-scan-1', D0 + 30 * MIN, 37.2),
  body(TOS.id, 'tos-scan-1', D0 + 31 * MIN, 37.3),
  body(TOS.id, 'tos-scan-2', D0 + 40 * MIN, 38.4),
  body(TOS.id, 'tos-room-1', D0 + 41 * MIN, 39.0, 'ambient'),
  body(MPP.id, 'mpp-scan-1', D0 + 42 * MIN, 39.5),
  alarmEvent(D0 - 60 * MIN, 'raised', 'warning', {}, `${TOS.id}:capacity:${D0 - 60 * MIN}`),
  alarmEvent(D0 + 6 * MIN, 'raised', 'warning'),
  alarmEvent(D0 + 6 * MIN + 1, 'escalated', 'critical'),
  alarmEvent(D0 + 20 * MIN, 'acknowledged', 'critical', {
    state: 'acknowledged',
    acknowledgedAt: D0 + 20 * MIN,
    acknowledgedBy: 'operator-1',
  }),
  alarmEvent(D1 + 10 * MIN, 'cleared', 'warning', {
    state: 'cleared',
    acknowledgedAt: D0 + 20 * MIN,
    acknowledgedBy: 'operator-1',
    clearedAt: D1 + 10 * MIN,
    clearedBy: 'system',
  }),
];
