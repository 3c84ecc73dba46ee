/**
 * What the load generator itself costs (issue #5: the generator shares the 2 cores with the system
 * under test, so every CPU-ms it spends per message is one the broker and ingest do not get).
 *
 * Starts the project's broker as its own process (broker/main.ts, ephemeral ports, no ops server,
 * no durable ingest session so nothing piles up), provisions and connects `--devices` load-mode
 * devices (firmware-sim/load-generator.ts), publishes at `--rate` msg/s for `--seconds` after a
 * short warm-up, and prints one JSON line: the workers' CPU-ms per accepted message over that
 * window, the broker's for comparison, and with `--profile DIR` the workers' self time per
 * function (and per package) within the same window, from `node --cpu-prof`.
 *
 * @example
 * npx tsx test/bench/generator-cost.ts --devices 10000 --rate 3500 --seconds 20 --profile /tmp/gen-prof
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFrom } from '../../firmware-sim/load-config.ts';
import { createLoadGenerator, type LoadTotals } from '../../firmware-sim/load-generator.ts';
import { freePort } from '../helpers/free-port.ts';
import { findPids, procSample } from './proc-stats.ts';
import { startService } from './services.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '3500' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
    'duplicate-rate': { type: 'string', default: '0' },
    'malformed-rate': { type: 'string', default: '0' },
    'max-skew-ms': { type: 'string', default: '0' },
    'reboot-rate': { type: 'string', default: '0' },
    cmd: { type: 'boolean', default: false },
    profile: { type: 'string' },
    top: { type: 'string', default: '25' },
  },
});
const devices = Number(values.devices);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** User and system CPU seconds of this script's own load workers (children with our pid as parent). */
function workerCpu(): { user: number; system: number } {
  const sum = { user: 0, system: 0 };
  for (const pid of findPids('load-worker.ts')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms.
      sum.user += Number(fields[11]) / 100;
      sum.system += Number(fields[12]) / 100;
    } catch {
      // the worker ended while we looked
    }
  }
  return sum;
}

/** CLOCK_MONOTONIC in µs: the clock V8 stamps profile samples with, shared by every process. */
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives, coarsely: a package, our folder, or Node/V8 itself. */
function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 13).split('/')[0]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  const m = /\/work\/main\/([^/]+)\//.exec(url);
  return m ? m[1]! : url;
}

/** Self time per function and per package of the samples taken within [fromUs, toUs]. */
function summarise(dir: string, fromUs: number, toUs: number, top: number) {
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i]!;
      const dt = profile.timeDeltas[i + 1] ?? 0;
      if (t < fromUs || t > toUs) continue;
      const { functionName, url, lineNumber } = nodes.get(profile.samples[i]!)!.callFrame;
      if (functionName === '(idle)') continue;
      const file = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/main\//, '');
      const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
      const pkg = packageOf(url, functionName);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
      totalUs += dt;
    }
  }
  const share = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        pct: Math.round((1000 * us) / totalUs) / 10,
      }));
  return {
    busyMs: Math.round(totalUs / 1000),
    byPackage: share(byPackage, 15),
    byFunction: share(byFunction, top),
  };
}

async function main(): Promise<void> {
  const [mqttPort, wsPort] = [await freePort(), await freePort()];
  const secret = randomBytes(24).toString('base64url');
  const broker = startService('broker', 'broker/main.ts', {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: String(mqttPort),
    MQTT_WS_PORT: String(wsPort),
    MQTT_SERVICE_SECRET: secret,
    MQTT_DURABLE_SESSIONS: 'none',
    OPS_PORT: '0',
  });
  const profileDir = values.profile;
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const load = createLoadGenerator(
    loadConfigFrom({
      devices,
      rate: 0,
      workers: Number(values.workers),
      mqtt: `mqtt://127.0.0.1:${mqttPort}`,
      serviceSecret: secret,
      prefix: 'load',
      cmd: values.cmd,
      connectRate: 100_000,
      maxPending: 50_000,
      duplicateRate: Number(values['duplicate-rate']),
      malformedRate: Number(values['malformed-rate']),
      maxSkewMs: Number(values['max-skew-ms']),
      rebootRate: Number(values['reboot-rate']),
    }),
    { workerExecArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] },
  );
  try {
    await broker.waitForLog((l) => l.msg === 'broker listening', 30_000);
    load.events.on('step', (s) => log(`  ${s}`));
    await load.start();
    const connectStart = performance.now();
    await load.waitFor((t) => t.connected === devices, 300_000);
    const connectS = (performance.now() - connectStart) / 1000;
    log(`  ${devices} connected in ${connectS.toFixed(1)} s; publishing ${rate} msg/s`);
    load.setRate(rate);
    await sleep(Number(values.warmup) * 1000);
    // Worker reports are at most 250 ms old; wait for a fresh one on both ends of the window.
    const sample = async () => {
      await sleep(300);
      return { t: load.totals(), broker: procSample(broker.pid), cpu: workerCpu(), mono: monoUs() };
    };
    const a = await sample();
    await sleep(seconds * 1000 - 300);
    const b = await sample();
    load.setRate(0);
    const d = (k: keyof LoadTotals) => (b.t[k] as number) - (a.t[k] as number);
    const windowS = (b.mono - a.mono) / 1e6;
    const accepted = d('accepted');
    const result = {
      devices,
      workers: b.t.workers,
      rateAsked: rate,
      windowS: Math.round(windowS * 10) / 10,
      connectS: Math.round(connectS * 10) / 10,
      accepted,
      acceptedPerS: Math.round(accepted / windowS),
      ackedPerS: Math.round(d('acked') / windowS),
      errors: b.t.errors,
      paused: d('paused'),
      workerCpuS: Math.round(d('cpuS') * 1000) / 1000,
      workerCpuMsPerMsg: Math.round((1e6 * d('cpuS')) / accepted) / 1e3,
      workerUserMsPerMsg: Math.round((1e6 * (b.cpu.user - a.cpu.user)) / accepted) / 1e3,
      workerSystemMsPerMsg: Math.round((1e6 * (b.cpu.system - a.cpu.system)) / accepted) / 1e3,
      workerCores: Math.round((100 * d('cpuS')) / windowS) / 100,
      brokerCpuMsPerMsg:
        a.broker && b.broker ? Math.round((1e6 * (b.broker.cpuS - a.broker.cpuS)) / accepted) / 1e3 : null,
      workerRssMiB: Math.round(b.t.rss / 2 ** 20),
    };
    await load.stop();
    const profile = profileDir ? summarise(profileDir, a.mono, b.mono, Number(values.top)) : undefined;
    process.stdout.write(`GENERATOR_COST ${JSON.stringify({ ...result, profile })}\n`);
  } finally {
    await load.stop().catch(() => undefined);
    await broker.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(String((err as Error).stack ?? err));
    process.exit(1);
  },
);
