/**
 * The simulated Batam fleet as a service: provisions its sites and devices through the operator
 * API, connects one real MQTT client per device and drives them from the world model.
 *
 * Two clocks: the model clock runs `speed` times faster than the wall clock (time of day for
 * demand, bus movement), while devices stamp messages with the wall clock (the injected `clock`),
 * so InfluxDB never receives points from the future. The model advances in fixed steps of
 * `tickMs`, catching up with the wall clock on each timer fire, so a run replays exactly given
 * the same seed, start and wall-clock readings.
 */
import { type Clock, systemClock } from '../shared/clock.ts';
import type { CmdMsg } from '../shared/device-schemas.ts';
import { type Logger, silentLogger } from '../shared/log.ts';
import { batamScenario } from './batam-scenario.ts';
import { SIMULATOR_DEFAULTS, type SimulatorConfig } from './config.ts';
import { DeviceClient } from './device-client.ts';
import { provisionFleet } from './provision.ts';
import { filterScenario, type Scenario, scenarioDevices, scenarioSites } from './scenario.ts';
import { formatLocal, modelStartMs, parseStart } from './sim-time.ts';
import { createWorld, type World } from './world-model.ts';

/** Timer period bounds: often enough to look live, rarely enough to stay cheap at high speeds. */
const MIN_INTERVAL_MS = 50;
const MAX_INTERVAL_MS = 1000;
/** Beyond this backlog (e.g. the process was suspended) the model skips ahead instead of racing. */
const MAX_STEPS_PER_FIRE = 2000;
const SUMMARY_EVERY_MS = 60_000;

export interface SimulatorDeps {
  logger?: Logger;
  /** Device wall clock and pacing. */
  clock?: Clock;
  /** Default: the Batam scenario. */
  scenario?: Scenario;
  fetch?: typeof fetch;
}

export interface SimulatorStats {
  devices: number;
  connected: number;
  steps: number;
  published: number;
  dropped: number;
  commands: number;
  /** Model time, epoch ms, and as WIB local time. */
  modelTime: number | null;
  modelTimeLocal: string | null;
  speed: number;
}

export interface Simulator {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): SimulatorStats;
  /** The running world (for the all-in-one process and tests); undefined before start. */
  world(): World | undefined;
}

export type SimulatorOptions = Omit<SimulatorConfig, keyof typeof SIMULATOR_DEFAULTS> &
  Partial<Pick<SimulatorConfig, keyof typeof SIMULATOR_DEFAULTS>>;

/**
 * @example
 * const sim = createSimulator({ apiUrl: 'http://127.0.0.1:3000', mqttUrl: 'mqtt://127.0.0.1:1883',
 *   adminUser: 'admin', adminPassword, speed: 60, start: '05:30' }, { logger });
 * await sim.start();
 * // ... later
 * await sim.stop();
 */
export function createSimulator(options: SimulatorOptions, deps: SimulatorDeps = {}): Simulator {
  const config: SimulatorConfig = { ...SIMULATOR_DEFAULTS, ...options };
  const log = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const scenario = filterScenario(deps.scenario ?? batamScenario, config.filter);
  const startSpec = config.start === undefined ? undefined : parseStart(config.start);
  if (config.start !== undefined && !startSpec)
    throw new Error(`Invalid start time '${config.start}': expected HH:MM (WIB), e.g. 06:00 or sat 18:30`);
  if (!(config.speed > 0)) throw new Error(`speed must be > 0, got ${config.speed}`);

  let world: World | undefined;
  let clients = new Map<string, DeviceClient>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let steps = 0;
  let wallStart = 0;
  let lastSummary = 0;

  function publishStep(wallTs: number): void {
    for (const message of world!.step(config.tickMs, wallTs)) clients.get(message.deviceId)?.publish(message);
    steps++;
  }

  function tick(): void {
    try {
      const now = clock.now();
      const due = Math.floor(((now - wallStart) * config.speed) / config.tickMs);
      let backlog = due - steps;
      if (backlog > MAX_STEPS_PER_FIRE) {
        log.warn({ skipped: backlog - MAX_STEPS_PER_FIRE }, 'simulation fell behind; skipping ahead');
        wallStart += ((backlog - MAX_STEPS_PER_FIRE) * config.tickMs) / config.speed;
        backlog = MAX_STEPS_PER_FIRE;
      }
      for (let i = 0; i < backlog; i++) publishStep(now);
      if (now - lastSummary >= SUMMARY_EVERY_MS) {
        lastSummary = now;
        const s = stats();
        log.info(
          { model: s.modelTimeLocal, connected: s.connected, devices: s.devices, published: s.published },
          'simulation running',
        );
      }
    } catch (err) {
      log.error({ err }, 'simulation step failed');
    }
  }

  function onCommand(deviceId: string, cmd: CmdMsg): void {
    log.info({ device: deviceId, op: cmd.op }, 'command received');
    world?.command(deviceId, cmd);
  }

  function stats(): SimulatorStats {
    const all = [...clients.values()].map((c) => c.stats());
    const sum = (k: 'published' | 'dropped' | 'commands') => all.reduce((n, s) => n + s[k], 0);
    const modelTime = world?.modelTime() ?? null;
    return {
      devices: clients.size,
      connected: all.filter((s) => s.connected).length,
      steps,
      published: sum('published'),
      dropped: sum('dropped'),
      commands: sum('commands'),
      modelTime,
      modelTimeLocal: modelTime === null ? null : formatLocal(modelTime),
      speed: config.speed,
    };
  }

  async function stopClients(): Promise<void> {
    const all = [...clients.values()];
    clients = new Map();
    await Promise.all(all.map((c) => c.stop()));
  }

  return {
    async start() {
      if (running) throw new Error('Simulator is already started');
      running = true;
      const sites = scenarioSites(scenario);
      const devices = scenarioDevices(scenario);
      log.info(
        { sites: sites.length, devices: devices.length, api: config.apiUrl },
        'provisioning the fleet',
      );
      const { secrets } = await provisionFleet({
        apiUrl: config.apiUrl,
        adminUser: config.adminUser,
        adminPassword: config.adminPassword,
        sites,
        devices,
        logger: log,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      if (!running) return;

      const startMs = modelStartMs(clock.now(), startSpec);
      world = createWorld(scenario, { seed: config.seed, startMs });
      for (const device of devices) {
        const client = new DeviceClient({
          url: config.mqttUrl,
          deviceId: device.id,
          secret: secrets.get(device.id)!,
          clock,
          logger: log,
        });
        client.on('command', (cmd) => onCommand(device.id, cmd));
        clients.set(device.id, client);
      }
      const connecting = [...clients.values()].map((c) => c.start().catch(() => undefined));
      let waitTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(connecting),
        new Promise((r) => {
          waitTimer = setTimeout(r, config.connectTimeoutMs);
        }),
      ]);
      clearTimeout(waitTimer);
      if (!running) return;
      const s = stats();
      if (s.connected < s.devices)
        log.warn(
          { connected: s.connected, devices: s.devices },
          'not every device connected yet; they keep trying',
        );

      wallStart = clock.now();
      lastSummary = wallStart;
      publishStep(wallStart);
      const interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, config.tickMs / config.speed));
      timer = setInterval(tick, interval);
      log.info(
        { model: formatLocal(startMs), speed: config.speed, seed: config.seed, connected: s.connected },
        'simulation started',
      );
    },

    async stop() {
      running = false;
      clearInterval(timer);
      timer = undefined;
      await stopClients();
    },

    stats,
    world: () => world,
  };
}
