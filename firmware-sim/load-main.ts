/**
 * Entry of load mode (`npm run sim:load`). The only file of load mode that reads argv and
 * process.env and owns signals and exit codes (STYLE.md rule 5).
 */
import { ConfigError } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { LOAD_HELP, parseLoadArgs } from './load-config.ts';
import { createLoadGenerator } from './load-generator.ts';
import { progressLine, progressWriter } from './load-progress.ts';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseLoadArgs>;
  try {
    parsed = parseLoadArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${err instanceof ConfigError ? '' : LOAD_HELP}`);
    return 1;
  }
  if (parsed.help) {
    process.stdout.write(LOAD_HELP);
    return 0;
  }
  const { config } = parsed;
  const logger = createLogger('sim-load', { level: process.env.LOG_LEVEL || 'warn' });
  const load = createLoadGenerator(config, { logger });
  const progress = progressWriter(process.stderr);
  if (!config.quiet) {
    load.events.on('step', (text) => progress.note(text));
    load.events.on('progress', (t) => progress.update(t));
  }

  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const onSignal = () => finished();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await load.start();
    await Promise.race([
      load.waitFor((t) => t.devices === config.devices && t.connected >= t.devices, 600_000),
      done,
    ]);
    progress.note(`connected: ${load.totals().connected} devices; publishing at ${config.rate} msg/s`);
    load.setRate(config.rate);
    if (config.duration > 0) setTimeout(finished, config.duration * 1000).unref();
    await done;
    load.setRate(0);
    await Promise.race([load.waitFor((t) => t.pending === 0, 30_000).catch(() => undefined), done]);
  } finally {
    const totals = await load.stop();
    progress.note(`done: ${progressLine(totals)}`);
    if (config.json) process.stdout.write(`${JSON.stringify({ load: totals })}\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`sim:load failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
