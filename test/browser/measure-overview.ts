/**
 * Measures the overview in real Chromium with a city of 5,000 sites that all change every second
 * (issue 4 item 1: "Stays smooth with 5,000 sites updating every second ... measure it").
 *
 *   npx tsx test/browser/measure-overview.ts            # prints one JSON object
 *   SITES=2000 SECONDS=10 npx tsx test/browser/measure-overview.ts
 *
 * The real system (broker, ingest, dashboard; memory store) serves the real UI. The sites are
 * put in the dashboard's registry file before it starts (the control plane's own documented
 * format, dashboard/registry-file.ts), so 5,000 sites exist at once without 5,000 API round
 * trips; the dashboard replicates them to the other services as retained registry messages.
 * Then a server identity (`svc:measure`) publishes a retained SiteState (shared/site-state.ts)
 * for every site every second, as ingest would.
 *
 * In the page: frame-to-frame times from requestAnimationFrame, long tasks (> 50 ms) from a
 * PerformanceObserver, and, for one probe site kept at the top of the list, the time from the
 * MQTT publish to its row showing the published head count (a MutationObserver in the page; the
 * script and Chromium share one clock).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { createSystem } from '../../create-system.ts';
import { connectService } from '../../shared/mqtt-service.ts';
import { SITE_KINDS, type Site } from '../../shared/registry-schemas.ts';
import type { SiteState } from '../../shared/site-state.ts';
import { topics } from '../../shared/topics.ts';
import { launchBrowser, loginThroughUi, newPage, testId } from '../helpers/browser.ts';

const SITES = Number(process.env.SITES ?? 5000);
const SECONDS = Number(process.env.SECONDS ?? 20);
const PROBE = 'probe-site';
const ADMIN = { username: 'admin', password: 'kata-sandi-pengukuran' };

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round = (v: number | null, digits = 1) => (v === null ? null : Number(v.toFixed(digits)));

function makeSites(n: number): Site[] {
  const createdAt = new Date().toISOString();
  const sites: Site[] = [{ id: PROBE, name: 'AAA Probe', kind: 'market', designCapacity: 400, createdAt }];
  for (let i = 1; i < n; i++) {
    const kind = SITE_KINDS[i % SITE_KINDS.length]!;
    sites.push({
      id: `site-${String(i).padStart(5, '0')}`,
      name: `${kind} ${i}`,
      kind,
      designCapacity: kind === 'bus' ? 80 : 200 + (i % 7) * 100,
      location: { lat: 1.0 + ((i * 37) % 200) / 1000, lon: 103.93 + ((i * 53) % 220) / 1000 },
      createdAt,
    });
  }
  return sites;
}

/** A SiteState as ingest would publish it; loads wander so levels (and the order) change. */
function stateOf(site: Site, safeCapacity: number, occupancy: number, now: number): SiteState {
  const load = safeCapacity > 0 ? occupancy / safeCapacity : null;
  const level = load === null ? 'unknown' : load >= 1 ? 'critical' : load >= 0.8 ? 'warning' : 'ok';
  return {
    siteId: site.id,
    occupancy,
    safeCapacity,
    load,
    level,
    updatedAt: now,
    lastSeenAt: now,
    levelSince: now,
    bodyTempC: null,
    ambientTempC: null,
    position: null,
    policyId: 'new-normal-1',
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jagajarak-measure-'));
  const sites = makeSites(SITES);
  writeFileSync(
    join(dataDir, 'registry.json'),
    JSON.stringify({ version: 1, sites, devices: [], policyChanges: [] }),
  );
  const env = {
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    SIMULATE: 'off',
    DATA_DIR: dataDir,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    MQTT_SERVICE_SECRET: randomBytes(24).toString('base64url'),
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'silent',
  };
  const system = createSystem(env);
  const running = await system.start();
  // The publisher runs in a process of its own, as the services would: in this one it would
  // share the event loop of broker, ingest and dashboard and measure itself.
  const publisher = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, MEASURE_ROLE: 'publisher' },
  });
  const published = new Map<number, number>();
  publisher.on('message', (msg: FromPublisher) => {
    if (msg.kind === 'tick') published.set(msg.probe, msg.at);
  });
  const publisherReady = new Promise<void>((resolve, reject) => {
    publisher.once('error', reject);
    publisher.on('message', (msg: FromPublisher) => msg.kind === 'ready' && resolve());
  });
  const toPublisher = (msg: ToPublisher) => publisher.send(msg);
  toPublisher({ kind: 'start', url: running.mqttUrl, secret: env.MQTT_SERVICE_SECRET, sites });
  await publisherReady;
  const browser = await launchBrowser();
  try {
    toPublisher({ kind: 'publish' });

    const { page } = await newPage(browser, { width: 1280, height: 900 });
    await loginThroughUi(page, running.url, ADMIN);
    await page
      .locator(testId('list-summary'))
      .filter({ hasText: new Intl.NumberFormat('id-ID').format(SITES) })
      .waitFor({ timeout: 60_000 });
    await page.locator(`${testId('site-row')}[data-site-id="${PROBE}"]`).waitFor({ timeout: 30_000 });
    const rowsInDom = await page.locator(testId('site-row')).count();

    // A string, not a function: tsx (esbuild keepNames) would wrap named closures in a `__name`
    // helper that does not exist in the page.
    await page.evaluate(`(() => {
      const m = { frames: [], longTasks: [], shown: [] };
      window.measure = m;
      let last = performance.now();
      const frame = (t) => { m.frames.push(t - last); last = t; requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) m.longTasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered: false });
      const occ = document.querySelector('[data-site-id="${PROBE}"] .occ');
      new MutationObserver(() => {
        m.shown.push([Number((occ.textContent || '').replace(/\\./g, '')), Date.now()]);
      }).observe(occ, { childList: true, characterData: true, subtree: true });
    })()`);

    // PROFILE=1 adds where the page spent its CPU (self time per function, top 15).
    const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const eluBefore = performance.eventLoopUtilization();
    const startedAt = Date.now();
    toPublisher({ kind: 'run', everyMs: 1000 });
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    toPublisher({ kind: 'pause' });
    loopDelay.disable();
    const elu = performance.eventLoopUtilization(eluBefore);
    let profile: Array<{ fn: string; selfMs: number }> | undefined;
    if (cdp) {
      const { profile: p } = await cdp.send('Profiler.stop');
      const self = new Map<string, number>();
      const dt = new Map<number, number>();
      for (const [i, id] of (p.samples ?? []).entries())
        dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas?.[i] ?? 0));
      for (const node of p.nodes) {
        const { functionName, url, lineNumber } = node.callFrame;
        const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber}`;
        self.set(key, (self.get(key) ?? 0) + (dt.get(node.id) ?? 0) / 1000);
      }
      profile = [...self.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([fn, ms]) => ({ fn, selfMs: Math.round(ms) }));
    }

    const m = await page.evaluate(
      () =>
        (
          window as unknown as {
            measure: { frames: number[]; longTasks: number[]; shown: Array<[number, number]> };
          }
        ).measure,
    );
    const frames = m.frames.slice(1);
    const fps = frames.map((d) => 1000 / d);
    const latencies = m.shown
      .map(([value, at]) => (published.has(value) ? at - published.get(value)! : undefined))
      .filter((v): v is number => v !== undefined);
    const result = {
      sites: SITES,
      seconds: SECONDS,
      updatesPerSecond: SITES,
      rowsInDom,
      frames: frames.length,
      fps: {
        p50: round(percentile(fps, 50)),
        p5: round(percentile(fps, 5)),
        mean: round((frames.length / (Date.now() - startedAt)) * 1000),
      },
      frameMs: {
        p50: round(percentile(frames, 50)),
        p95: round(percentile(frames, 95)),
        p99: round(percentile(frames, 99)),
        max: round(Math.max(...frames)),
      },
      longTasks: {
        count: m.longTasks.length,
        totalMs: round(m.longTasks.reduce((a, b) => a + b, 0)),
        maxMs: round(m.longTasks.length ? Math.max(...m.longTasks) : 0),
      },
      // The Node process running broker, ingest and dashboard (one event loop, as `npm start`).
      server: {
        eventLoopUtilization: round(elu.utilization, 2),
        eventLoopDelayMs: {
          p50: round(loopDelay.percentile(50) / 1e6),
          p99: round(loopDelay.percentile(99) / 1e6),
        },
      },
      publishToDomMs: {
        samples: latencies.length,
        p50: round(percentile(latencies, 50), 0),
        p95: round(percentile(latencies, 95), 0),
        max: round(latencies.length ? Math.max(...latencies) : null, 0),
      },
    };
    console.log(JSON.stringify(profile ? { ...result, profile } : result, null, 2));
  } finally {
    const exited = new Promise((r) => publisher.once('exit', r));
    toPublisher({ kind: 'stop' });
    await exited;
    await browser.close();
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type ToPublisher =
  | { kind: 'start'; url: string; secret: string; sites: Site[] }
  | { kind: 'publish' }
  | { kind: 'run'; everyMs: number }
  | { kind: 'pause' }
  | { kind: 'stop' };
type FromPublisher = { kind: 'ready' } | { kind: 'tick'; probe: number; at: number };

/** The child: a `svc:measure` identity publishing every site's state on command. */
function publisherMain(): void {
  const send = (msg: FromPublisher) => process.send?.(msg);
  let client: MqttClient | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let publishAll = () => {};
  process.on('message', async (msg: ToPublisher) => {
    if (msg.kind === 'start') {
      client = await connectService({ url: msg.url, service: 'measure', secret: msg.secret });
      publishAll = statePublisher(client, msg.sites, (probe, at) => send({ kind: 'tick', probe, at }));
      send({ kind: 'ready' });
    } else if (msg.kind === 'publish') publishAll();
    else if (msg.kind === 'run') timer = setInterval(publishAll, msg.everyMs);
    else if (msg.kind === 'pause') clearInterval(timer);
    else {
      clearInterval(timer);
      await client?.endAsync();
      process.exit(0);
    }
  });
}

/** Publishes a state for every site; loads wander, the probe stays far over capacity. */
function statePublisher(client: MqttClient, sites: Site[], onProbe: (probe: number, at: number) => void) {
  // Half the policy share of design capacity (new-normal-1 venues 50%, buses 70%).
  const safe = new Map(
    sites.map((s) => [s.id, Math.floor(s.designCapacity * (s.kind === 'bus' ? 0.7 : 0.5))]),
  );
  const occupancy = new Map(sites.map((s, i) => [s.id, Math.floor(safe.get(s.id)! * ((i % 10) / 10))]));
  let tick = 0;
  return () => {
    tick++;
    const now = Date.now();
    for (const site of sites) {
      const cap = safe.get(site.id)!;
      let occ: number;
      if (site.id === PROBE) {
        // Always far over capacity, so it stays the first row; the count tells the tick.
        occ = cap * 10 + tick;
        onProbe(occ, now);
      } else {
        occ = Math.max(0, occupancy.get(site.id)! + Math.round((Math.random() - 0.5) * cap * 0.2));
        occupancy.set(site.id, Math.min(occ, Math.round(cap * 1.3)));
      }
      client.publish(topics.siteState(site.id), JSON.stringify(stateOf(site, cap, occ, now)), {
        qos: 0,
        retain: true,
      });
    }
  };
}

if (process.env.MEASURE_ROLE === 'publisher') publisherMain();
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
