/**
 * Load mode (issue 5): N simulated door counters spread over worker processes (load-worker.ts),
 * provisioned in bulk through the registry topics (load-provision.ts), publishing at a target
 * aggregate rate that can change while it runs (the benchmark steps through phases). The parent
 * only coordinates: it forks the workers, splits devices and rate between them, and sums what
 * they report over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Logger, silentLogger } from '../shared/log.ts';
import { connectService } from '../shared/mqtt-service.ts';
import { topics } from '../shared/topics.ts';
import type { LoadConfig } from './load-config.ts';
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './load-protocol.ts';
import {
  loadDeviceId,
  loadDeviceRecords,
  loadSecretHashes,
  loadSites,
  publishRecords,
} from './load-provision.ts';
import { provisionFleet } from './provision.ts';

const WORKER_PATH = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

export interface LoadTotals extends Omit<WorkerStats, 'rss' | 'cpuS'> {
  workers: number;
  /** Accepted messages per second over the last report interval. */
  rate: number;
  /** Acknowledged messages per second over the last report interval. */
  ackRate: number;
  /** Sum over workers. */
  rss: number;
  cpuS: number;
  /** Seconds since start(). */
  elapsedS: number;
}

export interface LoadGeneratorEvents {
  progress: [totals: LoadTotals];
  /** What happens while provisioning, for the progress display. */
  step: [message: string];
}

export interface LoadGeneratorDeps {
  logger?: Logger;
  /**
   * Extra Node flags for the worker processes, e.g. `['--cpu-prof', '--cpu-prof-dir=DIR']`
   * (test/bench/generator-cost.ts); Node refuses `--cpu-prof` in NODE_OPTIONS.
   */
  workerExecArgv?: string[];
}

const ZERO: WorkerStats = {
  devices: 0,
  connected: 0,
  accepted: 0,
  acked: 0,
  pending: 0,
  published: 0,
  bufferDropped: 0,
  dropped: 0,
  duplicates: 0,
  malformed: 0,
  reboots: 0,
  errors: 0,
  reconnectAttempts: 0,
  paused: 0,
  rss: 0,
  cpuS: 0,
};

/**
 * @example
 * const load = createLoadGenerator(loadConfigFrom({ devices: 10_000, rate: 0, serviceSecret }));
 * await load.start();
 * await load.waitFor((t) => t.connected === 10_000, 60_000);
 * load.setRate(30_000);
 * // ... later
 * await load.stop();
 */
export function createLoadGenerator(config: LoadConfig, deps: LoadGeneratorDeps = {}) {
  const log = deps.logger ?? silentLogger;
  const events = new EventEmitter<LoadGeneratorEvents>();
  const workers: ChildProcess[] = [];
  const latest: WorkerStats[] = [];
  const siteCount = config.sites ?? Math.max(1, Math.floor(config.devices / 20));
  let startedAt = 0;
  let previous = { at: 0, accepted: 0, acked: 0 };
  let current: LoadTotals = totalsOf([], 0, 0, 0);
  let progressTimer: NodeJS.Timeout | undefined;

  function totalsOf(stats: WorkerStats[], rate: number, ackRate: number, elapsedS: number): LoadTotals {
    const sum: WorkerStats = { ...ZERO };
    for (const s of stats) for (const k of Object.keys(sum) as Array<keyof WorkerStats>) sum[k] += s[k];
    return { ...sum, workers: workers.length, rate, ackRate, elapsedS };
  }

  function refresh(): LoadTotals {
    const now = performance.now();
    const sum = totalsOf(latest, 0, 0, 0);
    const dt = (now - previous.at) / 1000;
    const rate = dt > 0 ? (sum.accepted - previous.accepted) / dt : 0;
    const ackRate = dt > 0 ? (sum.acked - previous.acked) / dt : 0;
    previous = { at: now, accepted: sum.accepted, acked: sum.acked };
    current = { ...sum, rate, ackRate, elapsedS: (now - startedAt) / 1000 };
    return current;
  }

  async function provision(): Promise<void> {
    const sites = loadSites(config.prefix, siteCount);
    if (config.api && config.adminPassword) {
      events.emit('step', `creating ${sites.length} sites through ${config.api}`);
      await provisionFleet({
        apiUrl: config.api,
        adminUser: config.adminUser,
        adminPassword: config.adminPassword,
        sites,
        devices: [],
        logger: log,
      });
    }
    if (config.provision === 'none') return;
    const ids = Array.from({ length: config.devices }, (_, i) => loadDeviceId(config.prefix, i));
    events.emit('step', `hashing ${ids.length} device secrets (cached in ${config.cacheDir})`);
    const hashes = await loadSecretHashes(config.seed, ids, config.cacheDir);
    const svc = await connectService({
      url: config.mqtt,
      service: 'loadgen',
      secret: config.serviceSecret!,
      extra: { reconnectPeriod: 0 },
    });
    try {
      const createdAt = new Date().toISOString();
      const records: Array<[string, object]> = [];
      if (!(config.api && config.adminPassword))
        for (const site of sites) records.push([topics.registrySite(site.id), { ...site, createdAt }]);
      for (const device of loadDeviceRecords(config.prefix, siteCount, hashes, ids, createdAt))
        records.push([topics.registryDevice(device.id), device]);
      events.emit('step', `publishing ${records.length} registry records`);
      await publishRecords(svc, records);
    } finally {
      await svc.endAsync();
    }
  }

  function forkWorker(index: number, init: WorkerInit): Promise<void> {
    const child = fork(WORKER_PATH, [], {
      execArgv: [...(deps.workerExecArgv ?? []), '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, MQTT_SERVICE_SECRET: '', ADMIN_PASSWORD: '' },
    });
    workers.push(child);
    latest[index] = { ...ZERO };
    child.on('message', (message: FromWorker) => {
      if (message.type === 'stats' || message.type === 'stopped') latest[index] = message.stats;
      else if (message.type === 'error')
        log.error({ worker: index, error: message.message }, 'load worker failed');
    });
    child.on('exit', (code) => {
      if (code) log.error({ worker: index, code }, 'load worker exited');
    });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => {
        child.send({ type: 'init', init } satisfies ToWorker);
        resolve();
      });
      child.once('error', reject);
    });
  }

  const broadcast = (message: ToWorker) => {
    for (const w of workers) if (w.connected) w.send(message);
  };

  return {
    events,
    config,
    sites: siteCount,
    /** Provisions, forks the workers and starts connecting; resolves once every worker is running. */
    async start(): Promise<void> {
      startedAt = performance.now();
      previous = { at: startedAt, accepted: 0, acked: 0 };
      await provision();
      const n = Math.min(config.workers, config.devices);
      events.emit('step', `starting ${n} worker processes`);
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          forkWorker(i, {
            mqttUrl: config.mqtt,
            seed: config.seed,
            prefix: config.prefix,
            from: Math.floor((i * config.devices) / n),
            to: Math.floor(((i + 1) * config.devices) / n),
            connectRate: config.connectRate / n,
            connectConcurrency: Math.max(1, Math.floor(config.connectConcurrency / n)),
            keepaliveS: config.keepalive,
            subscribeCmd: config.cmd,
            faults: {
              maxClockSkewMs: config.maxSkewMs,
              duplicateRate: config.duplicateRate,
              malformedRate: config.malformedRate,
              ...(config.malformedKinds ? { malformedKinds: config.malformedKinds } : {}),
              rebootRate: config.rebootRate,
            },
            base: { bufferSize: config.bufferSize, inflightWindow: config.inflight },
            maxPending: config.maxPending,
          }),
        ),
      );
      progressTimer = setInterval(() => events.emit('progress', refresh()), 1000);
    },
    /** Aggregate messages per second from now on, split evenly between workers. */
    setRate(perSecond: number): void {
      broadcast({ type: 'rate', perSecond: perSecond / Math.max(1, workers.length) });
    },
    /** The latest totals (refreshed at most every 250 ms by the workers' reports). */
    totals(): LoadTotals {
      return { ...totalsOf(latest, current.rate, current.ackRate, (performance.now() - startedAt) / 1000) };
    },
    /** Resolves once `done(totals)` holds; rejects after `timeoutMs` with the last totals. */
    async waitFor(done: (totals: LoadTotals) => boolean, timeoutMs: number): Promise<LoadTotals> {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const t = this.totals();
        if (done(t)) return t;
        if (performance.now() > deadline)
          throw new Error(`load generator: condition not reached in ${timeoutMs} ms (${JSON.stringify(t)})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** Stops publishing, closes every device cleanly and waits for the workers to exit. */
    async stop(): Promise<LoadTotals> {
      clearInterval(progressTimer);
      const exited = workers.map(
        (w) =>
          new Promise<void>((resolve) => (w.exitCode !== null ? resolve() : w.once('exit', () => resolve()))),
      );
      broadcast({ type: 'stop' });
      const timer = setTimeout(() => {
        for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
      }, 30_000);
      await Promise.all(exited);
      clearTimeout(timer);
      return this.totals();
    },
  };
}

export type LoadGenerator = ReturnType<typeof createLoadGenerator>;
