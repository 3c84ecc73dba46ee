/**
 * Entry point of the simulated Batam fleet (`npm run sim`). The only file that reads
 * process.env and argv, owns signals and exit codes (STYLE.md rule 5).
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { stopOnSignals } from '../shared/run-service.ts';
import { loadSimulatorConfig } from './config.ts';
import { createSimulator } from './create-simulator.ts';

const HELP = `Simulated Batam fleet: Trans Batam buses, markets, attractions, MPP and malls,
each device a real MQTT client speaking protocol v1. Provisions itself through the
dashboard's operator API.

Usage: npm run sim -- [options]

  --seed N        random seed (SIM_SEED, default 2020)
  --speed X       model time acceleration, 60 = one simulated minute per second (SIM_SPEED, default 1)
  --start HH:MM   model start time of day in WIB, e.g. 05:30 or "sat 18:00" (SIM_START, default now)
  --api URL       operator API (SIM_API_URL, default http://127.0.0.1:3000)
  --mqtt URL      broker (MQTT_URL, default mqtt://127.0.0.1:1883)
  --max-buses N   simulate at most N buses (SIM_MAX_BUSES)
  --help          this text

Environment: ADMIN_USER (default admin), ADMIN_PASSWORD (required), SIM_TICK_MS (default 1000),
SIM_SITES (comma-separated site ids), LOG_LEVEL, LOG_FORMAT.
`;

const FLAG_ENV = {
  seed: 'SIM_SEED',
  speed: 'SIM_SPEED',
  start: 'SIM_START',
  api: 'SIM_API_URL',
  mqtt: 'MQTT_URL',
  'max-buses': 'SIM_MAX_BUSES',
} as const;

/** Resolves to an exit code, or undefined while the simulator keeps running until a signal. */
async function main(): Promise<number | undefined> {
  let values: Partial<Record<keyof typeof FLAG_ENV | 'help', string | boolean>>;
  try {
    ({ values } = parseArgs({
      options: {
        seed: { type: 'string' },
        speed: { type: 'string' },
        start: { type: 'string' },
        api: { type: 'string' },
        mqtt: { type: 'string' },
        'max-buses': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [flag, name] of Object.entries(FLAG_ENV)) {
    const value = values[flag as keyof typeof FLAG_ENV];
    if (typeof value === 'string') env[name] = value;
  }

  let settings: ReturnType<typeof loadSimulatorConfig>;
  try {
    settings = loadSimulatorConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const logger = createLogger('firmware-sim', settings.log);
  const sim = createSimulator(settings.simulator, { logger });

  stopOnSignals(logger, 'simulator: devices publish offline and disconnect', () => sim.stop());

  try {
    await sim.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'simulator failed to start');
    await sim.stop();
    return 1;
  }
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
