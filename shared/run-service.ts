/**
 * What every entry file (`main.ts`) does around its service: stop cleanly on SIGINT/SIGTERM
 * (exit 0, or 1 when stopping fails), and turn a failed start into exit 1 with a readable
 * message (a ConfigError prints its list of problems, nothing else). STYLE.md rule 5: only
 * entries own signals and exit codes; this is the one place they share.
 */
import { ConfigError } from './config.ts';
import type { Logger } from './log.ts';

/** Installs the signal handlers; `stop` runs once, however many signals arrive. */
export function stopOnSignals(log: Logger, what: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, `stopping ${what}`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, `${what} did not stop cleanly`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/**
 * What a failed start prints: a ConfigError's list of problems; a port that is taken or not
 * allowed, in words an operator can act on; anything else with its stack.
 *
 * @example
 * startFailure('jagajarak', Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '0.0.0.0', port: 3000 }))
 * // ['jagajarak failed to start: port 3000 on 0.0.0.0 is already in use ...']
 */
export function startFailure(what: string, err: unknown): unknown[] {
  if (err instanceof ConfigError) return [err.message];
  const { code, address, port } = (err ?? {}) as { code?: unknown; address?: unknown; port?: unknown };
  const where =
    typeof port === 'number' ? `port ${port}${typeof address === 'string' ? ` on ${address}` : ''}` : '';
  if (where && code === 'EADDRINUSE')
    return [
      `${what} failed to start: ${where} is already in use (another jagajarak, or another program).` +
        ' Stop it, or choose free ports (README "Configuration": HTTP_PORT, MQTT_PORT, MQTT_WS_PORT, OPS_PORT).',
    ];
  if (where && code === 'EACCES')
    return [`${what} failed to start: not allowed to listen on ${where} (ports under 1024 need privileges).`];
  return [`${what} failed to start:`, err];
}

/** Runs an entry's main; a rejection exits 1 with the reason. */
export function runMain(what: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(...startFailure(what, err));
    process.exit(1);
  });
}
