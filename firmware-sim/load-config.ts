/**
 * Load mode configuration (`npm run sim:load`): command-line flags mapped onto one zod schema,
 * validated once, every problem reported together (STYLE.md rule 4). Secrets come from the
 * environment only (MQTT_SERVICE_SECRET, ADMIN_PASSWORD), never from flags, so they stay out of
 * `ps` output and shell history.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, type Env } from '../shared/config.ts';
import { formatIssues } from '../shared/validation.ts';
import { MALFORMED_KINDS } from './device-behaviour.ts';

export const LOAD_HELP = `Load mode: N simulated door counters, each a real MQTT connection speaking protocol v1,
spread over worker processes, publishing at a target aggregate rate.

Usage: npm run sim:load -- [options]

  --devices N          devices (MQTT connections) in all (default 1000)
  --rate R             target aggregate publish rate, messages/s (default 1000; 0 = connect only)
  --duration S         seconds of publishing, then a clean stop (default 60; 0 = until Ctrl-C)
  --workers W          worker processes (default: CPU count, at most 4)
  --mqtt URL           broker (MQTT_URL, default mqtt://127.0.0.1:1883)
  --api URL            operator API for creating the sites (SIM_API_URL); needs ADMIN_PASSWORD.
                       Without it, site records are published on the registry topics directly.
  --sites N            sites the devices are spread over (default devices / 20, at least 1)
  --prefix P           id prefix of devices and sites (default load)
  --seed N             seed of device secrets, counts and faults (default 2020)
  --connect-rate C     new connections per second in all (default 2000)
  --connect-concurrency K
                       first connections outstanding at most, in all (default 100): the ramp
                       slows down to what the broker verifies
  --keepalive S        MQTT keepalive of each device (default 60)
  --no-cmd             devices do not subscribe to their cmd topic (firmware does; each SUBSCRIBE
                       costs aedes' in-memory persistence a scan of every retained message)
  --provision MODE     registry: publish the device records (retained, as the control plane
                       does; needs MQTT_SERVICE_SECRET); none: they are already there (default registry)
  --max-skew-ms MS     device clocks off by up to +-MS (default 0)
  --duplicate-rate P   share of messages sent twice (default 0)
  --malformed-rate P   share of messages replaced by a malformed one (default 0)
  --malformed-kinds K  comma-separated subset of ${MALFORMED_KINDS.join(',')}
  --reboot-rate P      chance per report that the counter reboots first (default 0)
  --buffer-size N      offline buffer per device, messages (default 10000)
  --inflight N         QoS 1 messages in flight per device (default 100)
  --max-pending N      per worker: publishing pauses while this many messages are unacknowledged
                       (default 20000); the achieved rate then shows what the system sustains
  --cache-dir DIR      where precomputed secret hashes are kept (default test-results/load-cache)
  --json               print the final totals as one JSON line
  --quiet              no progress display
  --help               this text

Environment: MQTT_SERVICE_SECRET (provisioning), ADMIN_USER (default admin) and ADMIN_PASSWORD
(with --api), LOG_LEVEL.

Example: npm run sim:load -- --devices 20000 --rate 30000 --duration 60 --workers 2
`;

const rate = z.coerce.number().min(0).max(1);

export const loadConfigSchema = z.object({
  devices: z.coerce.number().int().min(1).max(200_000).default(1000),
  rate: z.coerce.number().min(0).max(1_000_000).default(1000),
  duration: z.coerce.number().min(0).max(86_400).default(60),
  workers: z.coerce.number().int().min(1).max(64).default(Math.min(4, availableParallelism())),
  mqtt: z.string().url().default('mqtt://127.0.0.1:1883'),
  api: z.string().url().optional(),
  sites: z.coerce.number().int().min(1).max(100_000).optional(),
  prefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,20}$/, 'must be 1-21 characters of a-z, 0-9 and -')
    .default('load'),
  seed: z.coerce.number().int().min(0).max(0xffffffff).default(2020),
  connectRate: z.coerce.number().min(1).max(1_000_000).default(2000),
  connectConcurrency: z.coerce.number().int().min(1).max(100_000).default(100),
  keepalive: z.coerce.number().int().min(0).max(65_535).default(60),
  provision: z.enum(['registry', 'none']).default('registry'),
  maxSkewMs: z.coerce.number().int().min(0).max(86_400_000).default(0),
  duplicateRate: rate.default(0),
  malformedRate: rate.default(0),
  malformedKinds: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(MALFORMED_KINDS)).min(1))
    .optional(),
  rebootRate: rate.default(0),
  bufferSize: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  inflight: z.coerce.number().int().min(1).max(65_535).default(100),
  maxPending: z.coerce.number().int().min(1).max(10_000_000).default(20_000),
  cacheDir: z.string().default('test-results/load-cache'),
  cmd: z.boolean().default(true),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  serviceSecret: z.string().min(16).optional(),
  adminUser: z.string().min(1).default('admin'),
  adminPassword: z.string().min(1).optional(),
});

export type LoadConfig = z.infer<typeof loadConfigSchema>;
export type LoadOptions = z.input<typeof loadConfigSchema>;

const FLAGS = {
  devices: 'devices',
  rate: 'rate',
  duration: 'duration',
  workers: 'workers',
  mqtt: 'mqtt',
  api: 'api',
  sites: 'sites',
  prefix: 'prefix',
  seed: 'seed',
  'connect-rate': 'connectRate',
  'connect-concurrency': 'connectConcurrency',
  keepalive: 'keepalive',
  provision: 'provision',
  'max-skew-ms': 'maxSkewMs',
  'duplicate-rate': 'duplicateRate',
  'malformed-rate': 'malformedRate',
  'malformed-kinds': 'malformedKinds',
  'reboot-rate': 'rebootRate',
  'buffer-size': 'bufferSize',
  inflight: 'inflight',
  'max-pending': 'maxPending',
  'cache-dir': 'cacheDir',
} as const;

/** Validates programmatic options (the benchmark's), reporting every problem at once. */
export function loadConfigFrom(options: LoadOptions): LoadConfig {
  const result = loadConfigSchema.safeParse(options);
  if (!result.success) throw new ConfigError(`Invalid load configuration: ${formatIssues(result.error)}`);
  const config = result.data;
  if (config.provision === 'registry' && !config.serviceSecret)
    throw new ConfigError('Invalid load configuration: MQTT_SERVICE_SECRET is required to provision devices');
  return config;
}

/**
 * @example parseLoadArgs(['--devices', '20000', '--rate', '30000'], process.env) // { help: false, config }
 */
export function parseLoadArgs(
  argv: string[],
  env: Env,
): { help: true } | { help: false; config: LoadConfig } {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      json: { type: 'boolean' },
      'no-cmd': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const options: Record<string, unknown> = {
    mqtt: env.MQTT_URL || undefined,
    api: env.SIM_API_URL || undefined,
    serviceSecret: env.MQTT_SERVICE_SECRET || undefined,
    adminUser: env.ADMIN_USER || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    json: values.json === true,
    cmd: values['no-cmd'] !== true,
    quiet: values.quiet === true,
  };
  for (const [flag, key] of Object.entries(FLAGS)) {
    const value = (values as Record<string, unknown>)[flag];
    if (typeof value === 'string') options[key] = value;
  }
  return { help: false, config: loadConfigFrom(options as LoadOptions) };
}
