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

/** Runs an entry's main; a rejection exits 1 with the reason. */
export function runMain(what: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(
      err instanceof ConfigError ? err.message : `${what} failed to start:`,
      err instanceof ConfigError ? '' : err,
    );
    process.exit(1);
  });
}
