/**
 * `npm run bench`: the entry of the benchmark. Owns argv, output and the exit code; the work is in
 * bench-runner.ts. Prints progress on stderr, the table and one `BENCH_RESULT {json}` line on
 * stdout, and writes the JSON to test-results/bench.json (or --out).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../../shared/config.ts';
import { BENCH_HELP, parseBenchArgs } from './bench-config.ts';
import { BenchFailure, runBench } from './bench-runner.ts';
import { measureForecastAccuracy } from './forecast-accuracy.ts';
import { formatTable, RESULT_PREFIX } from './report.ts';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseBenchArgs>;
  try {
    parsed = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${err instanceof ConfigError ? '' : BENCH_HELP}`);
    return 1;
  }
  if (parsed.help) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const { config } = parsed;
  mkdirSync(dirname(config.out), { recursive: true });
  let report: Awaited<ReturnType<typeof runBench>>;
  try {
    report = await runBench(config, (line) => process.stderr.write(`${line}\n`));
  } catch (err) {
    if (!(err instanceof BenchFailure)) throw err;
    // What was measured before the failure is still worth keeping (and printing).
    const failed = { failure: err.message, ...err.partial };
    writeFileSync(config.out, `${JSON.stringify(failed, null, 2)}\n`);
    process.stderr.write(`bench failed: ${err.message}\n`);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(failed)}\n`);
    return 1;
  }
  // After the system is stopped, so it competes with nothing (issue #7: forecast MAE on held-out days).
  process.stderr.write('forecast accuracy on held-out simulated days...\n');
  report.forecast = await measureForecastAccuracy();
  writeFileSync(config.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(formatTable(report));
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(report)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
