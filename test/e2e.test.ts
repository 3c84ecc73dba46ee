/**
 * The whole pipeline with real parts: create-system.ts on ephemeral ports with the run's real
 * InfluxDB, an outside MQTT client (`mosquitto_pub`) as the device, the operator API over HTTP and
 * a socket.io client as the live dashboard.
 */
import { execFile } from 'node:child_process';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteView } from '../shared/site-state.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket-events.ts';
import { topics } from '../shared/topics.ts';
import { influxQuery } from './helpers/influxd.ts';
import { startTestSystem, type TestSystem } from './helpers/system.ts';

let sys: TestSystem;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const seen: SiteView[] = [];

interface PubResult {
  code: number;
  stderr: string;
}

/** Publishes with mosquitto_pub as an outside client; `lines` go one message per line over one connection. */
function mosquittoPub(user: string, password: string, topic: string, lines: string[]): Promise<PubResult> {
  return new Promise((resolve) => {
    const args = ['-h', '127.0.0.1', '-p', String(sys.mqttPort), '-V', 'mqttv311', '-q', '1'];
    args.push('-i', `${user}-pub`, '-u', user, '-P', password, '-t', topic);
    // One message: -m (exits when the broker drops the connection); several: -l, one per line.
    args.push(...(lines.length === 1 ? ['-m', lines[0]!] : ['-l']));
    const child = execFile('mosquitto_pub', args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
    child.stdin?.end(lines.length === 1 ? '' : `${lines.join('\n')}\n`);
  });
}

async function until<T>(
  what: string,
  deadline: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Device time a little in the past, one second per seq, so two readings never share a timestamp. */
const counts = (seq: number, inTotal: number, outTotal: number) =>
  JSON.stringify({ ts: Date.now() - 60_000 + seq * 1000, seq, in: inTotal, out: outTotal });

beforeAll(async () => {
  sys = await startTestSystem({ influx: true, env: { LIVE_TICK_MS: '100' } });
  const token = await sys.login();
  socket = io(sys.url, { auth: { token }, transports: ['websocket'], reconnection: false });
  socket.on('sites:update', (sites) => seen.push(...sites));
  await new Promise<void>((resolve, reject) => {
    socket.once('sites:snapshot', () => resolve());
    socket.once('connect_error', reject);
  });
}, 60_000);

afterAll(async () => {
  socket?.close();
  await sys?.stop();
});

describe('sensor -> broker -> ingest -> InfluxDB -> dashboard', () => {
  it('flags a bus over its safe capacity within 2 s of a door counter publishing over MQTT', async () => {
    await sys.createSite({
      id: 'bus-e2e-01',
      name: 'Bus E2E 01',
      kind: 'bus',
      designCapacity: 10,
      policyPct: 0.5,
    });
    const { secret } = await sys.createDevice({
      id: 'bus-e2e-01-door',
      siteId: 'bus-e2e-01',
      type: 'door-counter',
    });

    const publishedAt = Date.now();
    const pub = await mosquittoPub('bus-e2e-01-door', secret, topics.device('bus-e2e-01-door', 'counts'), [
      counts(1, 7, 0),
    ]);
    expect(pub).toEqual({ code: 0, stderr: '' });
    const deadline = publishedAt + 2000;

    const fromApi = await until('GET /api/sites to show critical', deadline, async () => {
      const res = await sys.api('GET', '/api/sites');
      return (res.body as SiteView[]).find((s) => s.id === 'bus-e2e-01' && s.level === 'critical');
    });
    expect(fromApi).toMatchObject({ occupancy: 7, safeCapacity: 5, level: 'critical', load: 1.4 });
    expect(Object.keys(fromApi)).toEqual(
      expect.arrayContaining([
        'id',
        'name',
        'kind',
        'occupancy',
        'safeCapacity',
        'load',
        'level',
        'updatedAt',
      ]),
    );

    const live = await until('a socket.io batch with the critical site', deadline, () =>
      seen.find((s) => s.id === 'bus-e2e-01' && s.level === 'critical'),
    );
    expect(live).toMatchObject({ occupancy: 7, safeCapacity: 5 });

    const rows = await until('InfluxQL to find the reading', Date.now() + 5000, async () => {
      const found = await influxQuery(
        sys.influx!.url,
        sys.influx!.database,
        `SELECT "in", "out", "seq" FROM counts WHERE device = 'bus-e2e-01-door'`,
      );
      return found.length ? found : undefined;
    });
    expect(rows).toEqual([expect.objectContaining({ in: 7, out: 0, seq: 1 })]);
    const state = await until('InfluxQL to find the site state', Date.now() + 5000, async () => {
      const found = await influxQuery(
        sys.influx!.url,
        sys.influx!.database,
        `SELECT occupancy, "safeCapacity", level FROM site_state WHERE site = 'bus-e2e-01'`,
      );
      return found.length ? found : undefined;
    });
    expect(state.at(-1)).toMatchObject({ occupancy: 7, safeCapacity: 5, level: 'critical' });
  });

  it('refuses a device with a wrong password', async () => {
    await sys.createSite({ id: 'pasar-e2e', kind: 'market', designCapacity: 100 });
    await sys.createDevice({ id: 'pasar-e2e-door', siteId: 'pasar-e2e', type: 'door-counter' });
    const pub = await mosquittoPub(
      'pasar-e2e-door',
      'not-the-secret',
      topics.device('pasar-e2e-door', 'counts'),
      [counts(1, 3, 0)],
    );
    expect(pub.code).not.toBe(0);
    expect(pub.stderr).toMatch(/bad user name or password|not authori[sz]ed/i);
  });

  it("refuses a device publishing under another device's topic and stores nothing of it", async () => {
    await sys.createSite({ id: 'mall-e2e', kind: 'mall', designCapacity: 100 });
    const intruder = await sys.createDevice({
      id: 'mall-e2e-intruder',
      siteId: 'mall-e2e',
      type: 'door-counter',
    });
    await sys.createDevice({ id: 'mall-e2e-victim', siteId: 'mall-e2e', type: 'door-counter' });
    const pub = await mosquittoPub(
      'mall-e2e-intruder',
      intruder.secret,
      topics.device('mall-e2e-victim', 'counts'),
      [counts(1, 999, 0)],
    );
    expect(pub.code).not.toBe(0);

    const metrics = await fetch(`${sys.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/jagajarak_broker_publish_denied_total\{[^}]*\} [1-9]/);
    await sys.system.store.flush();
    const stored = await influxQuery(
      sys.influx!.url,
      sys.influx!.database,
      `SELECT * FROM counts WHERE device = 'mall-e2e-victim' OR site = 'mall-e2e'`,
    );
    expect(stored).toEqual([]);
    const site = (await sys.api('GET', '/api/sites/mall-e2e')).body as SiteView;
    expect(site).toMatchObject({ level: 'unknown', occupancy: null });
  });

  it('rejects and counts malformed payloads while good ones keep flowing', async () => {
    await sys.createSite({ id: 'wisata-e2e', kind: 'attraction', designCapacity: 100 });
    const { secret } = await sys.createDevice({
      id: 'wisata-e2e-door',
      siteId: 'wisata-e2e',
      type: 'door-counter',
    });
    const topic = topics.device('wisata-e2e-door', 'counts');
    const lines = [
      counts(1, 5, 0),
      '{"ts": 1764313200000, "seq": 2, "in": "lots"',
      JSON.stringify({ ts: Date.now(), seq: 3, in: -5, out: 0 }),
      JSON.stringify({ ts: 1764313200, seq: 4, in: 6, out: 0 }),
      'not json at all',
      counts(5, 12, 2),
    ];
    const pub = await mosquittoPub('wisata-e2e-door', secret, topic, lines);
    expect(pub.code).toBe(0);

    const site = await until('the good messages to arrive', Date.now() + 3000, async () => {
      const s = (await sys.api('GET', '/api/sites/wisata-e2e')).body as SiteView;
      return s.occupancy === 10 ? s : undefined;
    });
    expect(site.level).toBe('ok');

    const metrics = await fetch(`${sys.url}/metrics`).then((r) => r.text());
    const rejected = (reason: string) =>
      Number(
        new RegExp(`jagajarak_ingest_messages_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(
          metrics,
        )?.[1] ?? 0,
      );
    expect(rejected('invalid-json')).toBeGreaterThanOrEqual(2);
    expect(rejected('invalid-payload')).toBeGreaterThanOrEqual(2);

    const dead = await until('dead letters in InfluxDB', Date.now() + 5000, async () => {
      const found = await influxQuery(
        sys.influx!.url,
        sys.influx!.database,
        `SELECT * FROM rejected WHERE device = 'wisata-e2e-door'`,
      );
      return found.length >= 4 ? found : undefined;
    });
    expect(dead.map((d) => d.reason).sort()).toEqual([
      'invalid-json',
      'invalid-json',
      'invalid-payload',
      'invalid-payload',
    ]);
    const good = await influxQuery(
      sys.influx!.url,
      sys.influx!.database,
      `SELECT "in" FROM counts WHERE device = 'wisata-e2e-door'`,
    );
    expect(good.map((g) => g.in)).toEqual([5, 12]);
  });
});
