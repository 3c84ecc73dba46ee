import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../shared/store/memory-store.ts';
import { type BareBroker, startBareBroker } from '../../test/helpers/bare-broker.ts';
import { parseMetrics } from '../../test/helpers/prom-text.ts';
import { type RunningDashboard, startDashboard, tempDataDir } from '../test-fixture.ts';
import { alarmId, MPP, NOW, SEED, state, TOS } from './report-fixture.ts';

/** RFC 4180 reader for the parse-back checks (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

const MANAGER = { username: 'upt-tos', password: 'pasar-tos-manager', role: 'manager', sites: [TOS.id] };
const EVIL_NAME = '=HYPERLINK("http://x","klik"), "Pasar"';

let broker: BareBroker;
let data: { dir: string; dispose(): void };
let d: RunningDashboard;
let admin: string;
let manager: string;

beforeAll(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
  const store = createMemoryStore();
  for (const p of SEED) store.write(p);
  store.write(state(MPP.id, NOW - 60_000, 10, 'ok'));
  d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir, store, clock: { now: () => NOW } });
  admin = await d.login();
  for (const s of [
    { id: TOS.id, name: TOS.name, kind: 'market', designCapacity: 400 },
    { id: MPP.id, name: EVIL_NAME, kind: 'public-service', designCapacity: 300 },
  ])
    expect((await d.api('/api/sites', { body: s, token: admin })).status).toBe(201);
  expect((await d.api('/api/users', { body: MANAGER, token: admin })).status).toBe(201);
  manager = await d.login(MANAGER.username, MANAGER.password);
});

afterAll(async () => {
  await d.dashboard.stop();
  await broker.close();
  data.dispose();
});

const url = (q: string) => `/api/reports/compliance?${q}`;

describe('GET /api/reports/compliance', () => {
  it('answers one row per visible site per day, with totals', async () => {
    const res = await d.api(url('from=2026-11-20&to=2026-11-21'), { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-11-20', to: '2026-11-21', timeZone: 'Asia/Jakarta' });
    expect(
      res.body.rows.map((r: { siteId: string; date: string }) => `${r.siteId} ${r.date}`).sort(),
    ).toEqual([
      `${MPP.id} 2026-11-20`,
      `${MPP.id} 2026-11-21`,
      `${TOS.id} 2026-11-20`,
      `${TOS.id} 2026-11-21`,
    ]);
    const tos = res.body.totals.find((t: { siteId: string }) => t.siteId === TOS.id);
    expect(tos).toMatchObject({ days: 2, peakOccupancy: 300, minutesOverCapacity: 17, alarmsRaised: 1 });
    expect(res.body.total.peakOccupancy).toBe(9999);
  });

  it('gives a venue manager only their own sites, and a 404 for anyone else’s', async () => {
    const own = await d.api(url('from=2026-11-20&to=2026-11-21'), { token: manager });
    expect(own.status).toBe(200);
    expect(new Set(own.body.rows.map((r: { siteId: string }) => r.siteId))).toEqual(new Set([TOS.id]));
    expect(own.body.alarms.map((a: { alarmId: string }) => a.alarmId)).toEqual([alarmId]);
    const other = await d.api(url(`from=2026-11-20&site=${MPP.id}`), { token: manager });
    expect(other).toMatchObject({ status: 404, body: { error: `site '${MPP.id}' not found` } });
    expect((await d.api(url('from=2026-11-20'))).status).toBe(401);
  });

  it('refuses bad and too long ranges with a 400 naming the problem', async () => {
    expect(await d.api(url('from=2026-08-01&to=2026-11-21'), { token: admin })).toMatchObject({
      status: 400,
      body: { error: 'the range is 113 days; one report covers at most 92 days' },
    });
    expect((await d.api(url('from=20-11-2026'), { token: admin })).body.error).toMatch(/from must be a date/);
    expect((await d.api(url('from=2026-11-20&format=xls'), { token: admin })).status).toBe(400);
  });

  it('downloads CSV sheets that parse back, with a BOM and formula-safe text cells', async () => {
    const res = await fetch(`${d.url}${url('from=2026-11-20&to=2026-11-21&format=csv')}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="kepatuhan-2026-11-20_2026-11-21-days\.csv"$/,
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(new TextDecoder('utf-8').decode(bytes));
    expect(header?.slice(0, 7)).toEqual([
      'site_id',
      'site_name',
      'date',
      'peak_occupancy',
      'peak_at_wib',
      'safe_capacity_at_peak',
      'minutes_over_capacity',
    ]);
    const byKey = new Map(
      rows.map((r) => [`${r[0]} ${r[2]}`, Object.fromEntries(header!.map((h, i) => [h, r[i]]))]),
    );
    expect(byKey.get(`${TOS.id} 2026-11-20`)).toMatchObject({
      site_name: 'Pasar Tos 3000',
      peak_occupancy: '300',
      peak_at_wib: '2026-11-20 00:06:00',
      minutes_over_capacity: '13',
      minutes_warning: '3',
      minutes_no_data: '1419',
      fever_readings: '2',
      fever_max_c: '38.4',
    });
    expect(byKey.get(`${MPP.id} 2026-11-20`)?.site_name).toBe(`'${EVIL_NAME}`);

    const alarms = await fetch(`${d.url}${url('from=2026-11-20&to=2026-11-21&format=csv&sheet=alarms')}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const [aHead, aRow, more] = parseCsv((await alarms.text()).replace(/^\uFEFF/, ''));
    expect(more).toBeUndefined();
    expect(Object.fromEntries(aHead!.map((h, i) => [h, aRow![i]]))).toMatchObject({
      alarm_id: alarmId,
      severity: 'critical',
      raised_at_wib: '2026-11-20 00:06:00',
      acknowledged_at_wib: '2026-11-20 00:20:00',
      acknowledged_by: 'operator-1',
      minutes_to_acknowledge: '14',
      cleared_at_wib: '2026-11-21 00:10:00',
    });
    const fever = await fetch(`${d.url}${url(`from=2026-11-20&site=${TOS.id}&format=csv&sheet=fever`)}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(parseCsv((await fever.text()).replace(/^\uFEFF/, '')).map((r) => r[3])).toEqual([
      'time_wib',
      '2026-11-20 00:31:00',
      '2026-11-20 00:40:00',
    ]);
  });
});

describe('the report cache behind GET /api/reports/compliance', () => {
  const counts = async () => {
    const m = parseMetrics(await (await fetch(`${d.url}/metrics`)).text());
    return {
      hits: m.get('jagajarak_report_cache_hits_total') ?? 0,
      misses: m.get('jagajarak_report_cache_misses_total') ?? 0,
      fresh: m.get('jagajarak_report_days_fresh_total') ?? 0,
    };
  };

  it('answers a finished day from the cache on /metrics, and today fresh every time', async () => {
    const first = await d.api(url('from=2026-11-20&to=2026-11-21'), { token: admin });
    const before = await counts();
    const again = await d.api(url('from=2026-11-20&to=2026-11-21'), { token: admin });
    const after = await counts();
    // 20 Nov ended two hours ago (cached after 10 minutes); 21 Nov is today.
    expect(after.hits - before.hits).toBe(2);
    expect(after.misses - before.misses).toBe(0);
    expect(after.fresh - before.fresh).toBe(2);
    expect({ ...again.body, generatedAt: 0 }).toEqual({ ...first.body, generatedAt: 0 });
  });

  it('lets only an admin clear it, after which finished days are computed again', async () => {
    expect((await d.api('/api/reports/cache', { method: 'DELETE', token: manager })).status).toBe(403);
    const cleared = await d.api('/api/reports/cache', { method: 'DELETE', token: admin });
    expect(cleared.status).toBe(200);
    expect(cleared.body.cleared).toBeGreaterThanOrEqual(2);
    const before = await counts();
    await d.api(url('from=2026-11-20'), { token: admin });
    expect((await counts()).misses - before.misses).toBe(2);
  });
});

describe('GET /reports/compliance (printable page)', () => {
  it('sends a browser without a session to the login', async () => {
    const res = await fetch(`${d.url}/reports/compliance?from=2026-11-20`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });

  it('renders escaped, scoped HTML under the CSP, and shows range errors on the page', async () => {
    const page = await fetch(`${d.url}/reports/compliance?from=2026-11-20&to=2026-11-21`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('Laporan Kepatuhan Kapasitas Harian');
    expect(html).not.toContain('<script');
    expect(html).not.toContain(' style=');
    expect(html).toContain('=HYPERLINK(&quot;http://x&quot;');
    const mine = await (
      await fetch(`${d.url}/reports/compliance?from=2026-11-20`, {
        headers: { authorization: `Bearer ${manager}` },
      })
    ).text();
    expect(mine).not.toContain(MPP.id);
    const bad = await fetch(`${d.url}/reports/compliance?from=2026-01-01&to=2026-11-20`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('one report covers at most 92 days');
    const css = await fetch(`${d.url}/reports/report.css`);
    expect(await css.text()).toContain('@media print');
  });
});
