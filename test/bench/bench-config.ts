/**
 * Benchmark settings (`npm run bench -- [flags]`): phase sizes, rates and the live-path knobs,
 * with `--quick` for a smoke run of a few seconds. Validated once, every problem reported together.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '../../shared/config.ts';
import { formatIssues } from '../../shared/validation.ts';

export const BENCH_HELP = `Benchmark of the whole system (broker, ingest, dashboard as separate processes, a real
InfluxDB 1.x) under the load generator of firmware-sim. Phases:
  A  connect --devices devices (10,000)
  B  --latency-rate msg/s for --latency-s s with --sockets dashboard sockets: publish -> socket.io
     event and publish -> queryable in InfluxDB, p50/p95/p99
  C  --rate msg/s for --throughput-s s (>= 60 for the issue's target): messages fully stored in
     InfluxDB per second, stored count checked against the broker-acknowledged count
Reports a table, one line 'BENCH_RESULT {json}' on stdout and test-results/bench.json.

Usage: npm run bench -- [options]

  --quick              smoke run: 300 devices, a few seconds per phase
  --devices N          (default 10000)       --sites N          (default devices / 20)
  --workers N          generator processes (default 2)
  --latency-rate R     (default 10000)       --latency-s S      (default 15)
  --rate R             (default 30000)       --throughput-s S   (default 60)
  --sockets N          dashboard sockets (default 200)
  --operator-sockets N of them logged in as the admin, seeing every site (default 4); the others
                       are venue managers, each seeing the probe site and a few load sites
  --managers N         manager accounts the manager sockets share (default 10)
  --state-flush-ms MS  ingest STATE_FLUSH_MS (default 15)
  --live-tick-ms MS    dashboard LIVE_TICK_MS (default 50)
  --cmd                devices subscribe to their cmd topic (slow in aedes, see README)
  --connect-concurrency N  first connections outstanding (default 100)
  --influx-url URL     use this InfluxDB 1.x instead of starting one
  --profile DIR        run the services with node --cpu-prof, profiles written to DIR
  --out FILE           JSON report (default test-results/bench.json)
  --help
`;

const positive = z.coerce.number().positive();
const int = z.coerce.number().int();

export const benchConfigSchema = z.object({
  quick: z.boolean(),
  devices: int.min(1).max(200_000),
  sites: int.min(1).optional(),
  workers: int.min(1).max(32),
  latencyRate: positive,
  latencyS: positive,
  rate: positive,
  throughputS: positive,
  sockets: int.min(1).max(10_000),
  operatorSockets: int.min(0),
  managers: int.min(1).max(1000),
  stateFlushMs: int.min(10).max(5000),
  liveTickMs: int.min(10).max(10_000),
  cmd: z.boolean(),
  connectConcurrency: int.min(1),
  influxUrl: z.string().url().optional(),
  profile: z.string().optional(),
  out: z.string(),
});
export type BenchConfig = z.infer<typeof benchConfigSchema>;

const FULL = {
  devices: 10_000,
  workers: 2,
  latencyRate: 10_000,
  latencyS: 15,
  rate: 30_000,
  throughputS: 60,
  sockets: 200,
  operatorSockets: 4,
  managers: 10,
};
const QUICK: typeof FULL = {
  devices: 300,
  workers: 1,
  latencyRate: 500,
  latencyS: 3,
  rate: 2000,
  throughputS: 4,
  sockets: 12,
  operatorSockets: 2,
  managers: 2,
};

const FLAGS = {
  devices: 'devices',
  sites: 'sites',
  workers: 'workers',
  'latency-rate': 'latencyRate',
  'latency-s': 'latencyS',
  rate: 'rate',
  'throughput-s': 'throughputS',
  sockets: 'sockets',
  'operator-sockets': 'operatorSockets',
  managers: 'managers',
  'state-flush-ms': 'stateFlushMs',
  'live-tick-ms': 'liveTickMs',
  'connect-concurrency': 'connectConcurrency',
  'influx-url': 'influxUrl',
  profile: 'profile',
  out: 'out',
} as const;

/** @example parseBenchArgs(['--quick']) // { help: false, config: { quick: true, devices: 300, ... } } */
export function parseBenchArgs(argv: string[]): { help: true } | { help: false; config: BenchConfig } {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      quick: { type: 'boolean' },
      cmd: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const quick = values.quick === true;
  const input: Record<string, unknown> = {
    ...(quick ? QUICK : FULL),
    quick,
    cmd: values.cmd === true,
    stateFlushMs: 20,
    liveTickMs: 50,
    connectConcurrency: 100,
    out: 'test-results/bench.json',
  };
  for (const [flag, key] of Object.entries(FLAGS)) {
    const v = (values as Record<string, unknown>)[flag];
    if (typeof v === 'string') input[key] = v;
  }
  const result = benchConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`Invalid benchmark options: ${formatIssues(result.error)}`);
  if (result.data.operatorSockets > result.data.sockets)
    throw new ConfigError('Invalid benchmark options: operator-sockets must not exceed sockets');
  return { help: false, config: result.data };
}
