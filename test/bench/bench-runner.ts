/**
 * The benchmark (issue 5): starts InfluxDB and the three services as separate processes, drives
 * them with the load generator of firmware-sim, measures from outside, and returns the report.
 * Method and recorded figures: test/bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFrom } from '../../firmware-sim/load-config.ts';
import { createLoadGenerator, type LoadGenerator } from '../../firmware-sim/load-generator.ts';
import { loadSiteId } from '../../firmware-sim/load-provision.ts';
import type { Env } from '../../shared/config.ts';
import { bundleOf, bundleServices, SERVICE_NODE_FLAGS } from '../../shared/service-bundles.ts';
import { freePort } from '../helpers/free-port.ts';
import { type InfluxdHandle, influxQuery, startInfluxd } from '../helpers/influxd.ts';
import type { BenchConfig } from './bench-config.ts';
import { connectProbe, type DashboardSockets, openSockets, percentiles, pollInflux } from './latency.ts';
import { findPids, procSample } from './proc-stats.ts';
import type { BenchReport, ServiceFigures } from './report.ts';
import { type ServiceProcess, startService } from './services.ts';

const PROBE_SITE = 'bench-probe-site';
const PROBE_DEVICE = 'bench-probe';
const PROBE_EVERY_MS = 50;
const INFLUX_POLL_MS = 50;
/** Time from the last device connected to the steady-state memory sample. */
const SETTLE_MS = 5_000;

type Log = (line: string) => void;

/** A run that could not finish (a service died, a phase timed out), with the figures measured so far. */
export class BenchFailure extends Error {
  override name = 'BenchFailure';
  constructor(
    message: string,
    readonly partial: Record<string, unknown>,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(base: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json!;
}

async function storedCount(url: string, db: string): Promise<number> {
  const rows = await influxQuery(url, db, 'SELECT count("seq") FROM "counts"');
  return (rows[0]?.count as number | undefined) ?? 0;
}

/** Polls until InfluxDB holds `expected` counts points; returns when (ms epoch) and the count. */
async function waitStored(url: string, db: string, expected: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let stored = 0;
  for (;;) {
    stored = await storedCount(url, db).catch(() => stored);
    if (stored >= expected || Date.now() > deadline) return { at: Date.now(), stored };
    await sleep(250);
  }
}

/**
 * @example const report = await runBench(parseBenchArgs(['--quick']).config, console.error);
 */
export async function runBench(config: BenchConfig, log: Log): Promise<BenchReport> {
  const startedAt = Date.now();
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'jagajarak-bench-'));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  // Unique per run, so runs sharing one InfluxDB (the test run's) never count each other's points.
  const DATABASE = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const partial: Record<string, unknown> = { at: new Date(startedAt).toISOString(), config };
  try {
    let influx: InfluxdHandle | undefined;
    let influxUrl = config.influxUrl;
    if (!influxUrl) {
      influx = await startInfluxd();
      cleanup.push(() => influx?.dispose());
      influxUrl = influx.url;
    }
    const influxAt = influxUrl;
    cleanup.push(() => influxQuery(influxAt, DATABASE, `DROP DATABASE "${DATABASE}"`).catch(() => undefined));
    const [mqttPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const secret = randomBytes(24).toString('base64url');
    const admin = { username: 'admin', password: randomBytes(12).toString('base64url') };
    const env: Env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: String(mqttPort),
      MQTT_WS_PORT: String(wsPort),
      MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`,
      MQTT_SERVICE_SECRET: secret,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      ADMIN_USER: admin.username,
      ADMIN_PASSWORD: admin.password,
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      DATA_DIR: dataDir,
      INFLUX_URL: influxUrl,
      INFLUX_API: 'v1',
      INFLUX_DATABASE: DATABASE,
      INFLUX_BUCKET: DATABASE,
      STATE_FLUSH_MS: String(config.stateFlushMs),
      LIVE_TICK_MS: String(config.liveTickMs),
    };
    const nodeArgs = config.profile ? ['--cpu-prof', `--cpu-prof-dir=${config.profile}`] : [];
    const services: ServiceProcess[] = [];
    // Every wait below also ends, with the reason, when a service process dies.
    let anyDied: Promise<never> = new Promise<never>(() => {});
    const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, anyDied]);
    const watch = (s: ServiceProcess) => {
      services.push(s);
      anyDied = Promise.race([anyDied, s.died]);
      anyDied.catch(() => {});
    };
    const stopServices = async () => {
      for (const s of [...services].reverse()) await s.stop();
    };
    cleanup.push(stopServices);

    // The services run as deployed: bundled, without tsx's loader thread (about 30 MiB each).
    await bundleServices();
    log(`starting broker, ingest and dashboard from dist/ (InfluxDB at ${influxUrl})`);
    const broker = startService('broker', bundleOf('broker/main.ts'), env, [
      ...SERVICE_NODE_FLAGS['broker/main.ts'],
      ...nodeArgs,
    ]);
    watch(broker);
    await broker.waitForLog((l) => l.msg === 'broker listening', 30_000);
    const ingest = startService('ingest', bundleOf('ingest/main.ts'), env, [
      ...SERVICE_NODE_FLAGS['ingest/main.ts'],
      ...nodeArgs,
    ]);
    const dashboard = startService('dashboard', bundleOf('dashboard/main.ts'), env, [
      ...SERVICE_NODE_FLAGS['dashboard/main.ts'],
      ...nodeArgs,
    ]);
    watch(ingest);
    watch(dashboard);
    await Promise.all([
      ingest.waitForLog((l) => l.msg === 'ingest running', 60_000),
      dashboard.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('dashboard at '), 60_000),
    ]);
    const base = `http://127.0.0.1:${httpPort}`;
    const adminToken = (await api(base, undefined, 'POST', '/api/login', admin)).token as string;

    // Phase A: connect the fleet.
    const sites = config.sites ?? Math.max(1, Math.floor(config.devices / 20));
    const load: LoadGenerator = createLoadGenerator(
      loadConfigFrom({
        devices: config.devices,
        sites,
        rate: 0,
        workers: config.workers,
        mqtt: env.MQTT_URL!,
        api: base,
        adminUser: admin.username,
        adminPassword: admin.password,
        serviceSecret: secret,
        prefix: 'load',
        cmd: config.cmd,
        connectConcurrency: config.connectConcurrency,
        connectRate: 100_000,
        maxPending: 50_000,
      }),
    );
    load.events.on('step', (s) => log(`  ${s}`));
    cleanup.push(() => load.stop());
    await guard(load.start());
    const connectStart = Date.now();
    log(`phase A: connecting ${config.devices} devices`);
    await guard(load.waitFor((t) => t.devices === config.devices && t.connected === config.devices, 240_000));
    const connectS = (Date.now() - connectStart) / 1000;
    const atConnected = { broker: procSample(broker.pid), ingest: procSample(ingest.pid) };
    log(`  connected in ${connectS.toFixed(1)} s`);
    // Steady state: every device still connected and idle, ingest done with the birth messages.
    await guard(sleep(SETTLE_MS));
    const settledAfterS = SETTLE_MS / 1000;
    const settled = { broker: procSample(broker.pid), ingest: procSample(ingest.pid) };
    const mib = (x: { rssBytes: number } | undefined) => (x?.rssBytes ?? 0) / 2 ** 20;
    log(
      `  broker + ingest ${(mib(atConnected.broker) + mib(atConnected.ingest)).toFixed(0)} MiB at connected, ` +
        `${(mib(settled.broker) + mib(settled.ingest)).toFixed(0)} MiB ${settledAfterS} s later ` +
        `(broker ${mib(settled.broker).toFixed(0)}, ingest ${mib(settled.ingest).toFixed(0)})`,
    );
    partial.connect = {
      devices: config.devices,
      seconds: connectS,
      brokerRssMiB: (atConnected.broker?.rssBytes ?? 0) / 2 ** 20,
      ingestRssMiB: (atConnected.ingest?.rssBytes ?? 0) / 2 ** 20,
    };

    // Probe device, manager accounts and dashboard sockets.
    await api(base, adminToken, 'POST', '/api/sites', {
      id: PROBE_SITE,
      name: 'Bench probe',
      kind: 'market',
      designCapacity: 1000,
    });
    const probeSecret = (
      await api(base, adminToken, 'POST', '/api/devices', {
        id: PROBE_DEVICE,
        siteId: PROBE_SITE,
        type: 'occupancy-sensor',
      })
    ).secret as string;
    const managerTokens: string[] = [];
    for (let m = 0; m < config.managers; m++) {
      const username = `bench-manager-${m}`;
      const password = randomBytes(12).toString('base64url');
      const own = Array.from({ length: 5 }, (_, k) => loadSiteId('load', (m * 5 + k) % sites));
      await api(base, adminToken, 'POST', '/api/users', {
        username,
        password,
        role: 'manager',
        sites: [...new Set([PROBE_SITE, ...own])],
      });
      managerTokens.push(
        (await api(base, undefined, 'POST', '/api/login', { username, password })).token as string,
      );
    }
    const tokens = Array.from({ length: config.sockets }, (_, i) =>
      i < config.operatorSockets ? adminToken : managerTokens[i % managerTokens.length]!,
    );
    const sockets: DashboardSockets = await openSockets(base, tokens, PROBE_SITE);
    cleanup.push(() => sockets.close());
    const probe = await connectProbe(env.MQTT_URL!, PROBE_DEVICE, probeSecret);
    cleanup.push(() => probe.stop());
    probe.start(PROBE_EVERY_MS);

    // Phase B: latency at the latency rate.
    log(`phase B: ${config.latencyRate} msg/s for ${config.latencyS} s with ${config.sockets} sockets`);
    load.setRate(config.latencyRate);
    await guard(sleep(Math.min(3000, config.latencyS * 250)));
    const poller = pollInflux(influxUrl, DATABASE, PROBE_DEVICE, INFLUX_POLL_MS);
    sockets.record();
    const b0 = load.totals();
    const bStart = performance.now();
    await guard(sleep(config.latencyS * 1000));
    const b1 = load.totals();
    const bSeconds = (performance.now() - bStart) / 1000;
    const dashboardLatency = percentiles(sockets.samples());
    const influxLatency = percentiles(poller.samples());
    poller.stop();
    const receiving = sockets.receiving();
    const socketsConnected = sockets.connected();
    partial.latency = {
      achievedRate: (b1.acked - b0.acked) / bSeconds,
      dashboardMs: dashboardLatency,
      influxMs: influxLatency,
      socketsConnected,
      socketsReceiving: receiving,
    };

    // Drain, so phase C starts from a known stored count.
    load.setRate(0);
    // Workers report every 250 ms: a report from before the rate change may show pending 0.
    await guard(sleep(600));
    await guard(
      load
        .waitFor((t) => t.pending === 0, 60_000)
        .then(
          () => true,
          () => false,
        ),
    );
    const afterB = load.totals();
    const storedB = await guard(waitStored(influxUrl, DATABASE, afterB.acked, 60_000));

    // Phase C: sustained throughput.
    log(`phase C: ${config.rate} msg/s for ${config.throughputS} s`);
    const cpuBefore = new Map(services.map((s) => [s.name, procSample(s.pid)?.cpuS ?? 0]));
    const influxPid = findPids('influxd', influx?.dir ?? influxUrl.replace(/^http:\/\//, ''))[0];
    const influxCpuBefore = influxPid ? (procSample(influxPid)?.cpuS ?? 0) : 0;
    const genCpuBefore = load.totals().cpuS + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
    const cStartWall = Date.now();
    load.setRate(config.rate);
    await guard(sleep(config.throughputS * 1000));
    load.setRate(0);
    const cSentEnd = Date.now();
    await guard(sleep(600));
    await guard(
      load
        .waitFor((t) => t.pending === 0, 60_000)
        .then(
          () => true,
          () => false,
        ),
    );
    const afterC = load.totals();
    const expected = afterC.acked;
    const storedC = await guard(waitStored(influxUrl, DATABASE, expected, config.quick ? 30_000 : 60_000));
    const sentC = afterC.acked - afterB.acked;
    const storedInC = storedC.stored - storedB.stored;
    const cSeconds = (storedC.at - cStartWall) / 1000;
    const cpuAfter = new Map(services.map((s) => [s.name, procSample(s.pid)?.cpuS ?? 0]));
    const influxCpuAfter = influxPid ? (procSample(influxPid)?.cpuS ?? 0) : 0;
    const genCpuAfter = afterC.cpuS + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
    const per1000 = (cpu: number) => (sentC > 0 ? (cpu * 1000) / sentC : null);

    const serviceFigures: ServiceFigures[] = services.map((s) => {
      const sample = procSample(s.pid);
      return {
        name: s.name,
        cpuSPer1000: per1000((cpuAfter.get(s.name) ?? 0) - (cpuBefore.get(s.name) ?? 0)),
        peakRssMiB: sample ? sample.peakRssBytes / 2 ** 20 : null,
        rssAtConnectedMiB: s.name === 'broker' || s.name === 'ingest' ? mib(atConnected[s.name]) : null,
        rssSettledMiB: s.name === 'broker' || s.name === 'ingest' ? mib(settled[s.name]) : null,
      };
    });
    const influxSample = influxPid ? procSample(influxPid) : undefined;
    serviceFigures.push({
      name: 'influxd',
      cpuSPer1000: influxPid ? per1000(influxCpuAfter - influxCpuBefore) : null,
      peakRssMiB: influxSample ? influxSample.peakRssBytes / 2 ** 20 : null,
      rssAtConnectedMiB: null,
      rssSettledMiB: null,
    });
    serviceFigures.push({
      name: 'generator (workers + bench)',
      cpuSPer1000: per1000(genCpuAfter - genCpuBefore),
      peakRssMiB: (afterC.rss + process.memoryUsage.rss()) / 2 ** 20,
      rssAtConnectedMiB: null,
      rssSettledMiB: null,
    });
    const rejected = await influxQuery(influxUrl, DATABASE, 'SELECT count("error") FROM "rejected"')
      .then((rows) => (rows[0]?.count as number | undefined) ?? 0)
      .catch(() => -1);

    const report: BenchReport = {
      at: new Date(startedAt).toISOString(),
      quick: config.quick,
      settings: {
        devices: config.devices,
        sites,
        workers: config.workers,
        sockets: config.sockets,
        operatorSockets: config.operatorSockets,
        stateFlushMs: config.stateFlushMs,
        liveTickMs: config.liveTickMs,
        cmdSubscriptions: config.cmd,
        probeEveryMs: PROBE_EVERY_MS,
        influxPollMs: INFLUX_POLL_MS,
      },
      connect: {
        devices: config.devices,
        connected: atConnected.broker ? config.devices : 0,
        seconds: connectS,
        brokerPlusIngestRssMiB: mib(atConnected.broker) + mib(atConnected.ingest),
        brokerPlusIngestSettledRssMiB: mib(settled.broker) + mib(settled.ingest),
        settledAfterS,
      },
      latency: {
        targetRate: config.latencyRate,
        achievedRate: (b1.acked - b0.acked) / bSeconds,
        seconds: bSeconds,
        dashboardMs: dashboardLatency,
        influxMs: influxLatency,
        socketsConnected,
        socketsReceiving: receiving,
      },
      throughput: {
        targetRate: config.rate,
        sendSeconds: (cSentEnd - cStartWall) / 1000,
        sent: sentC,
        stored: storedInC,
        secondsUntilStored: cSeconds,
        storedPerSecond: cSeconds > 0 ? storedInC / cSeconds : 0,
        sendRate: sentC / ((cSentEnd - cStartWall) / 1000),
        totalAcked: afterC.acked,
        totalStored: storedC.stored,
        notStored: afterC.acked - storedC.stored,
        rejected,
        bufferDropped: afterC.bufferDropped,
        generatorPaused: afterC.paused,
      },
      services: serviceFigures,
      warnings: services.flatMap((s) =>
        s
          .warnings()
          .slice(-5)
          .map((w) => `${s.name}: ${w}`),
      ),
      durationS: (Date.now() - startedAt) / 1000,
    };
    return report;
  } catch (err) {
    throw new BenchFailure((err as Error).message, partial);
  } finally {
    // Each step bounded: a client talking to a crashed broker must not hold the run forever.
    for (const fn of cleanup.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), 30_000);
      });
      try {
        if ((await Promise.race([Promise.resolve().then(fn), late])) === 'late')
          log('cleanup: a step did not finish within 30 s; going on');
      } catch (err) {
        log(`cleanup: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
