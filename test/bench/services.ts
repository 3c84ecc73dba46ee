/**
 * The system under test as separate processes, as deployed (docker-compose.yml): broker, ingest
 * and dashboard each run their own bundle (`dist/<service>/main.mjs`, shared/service-bundles.ts)
 * under plain Node, so CPU and memory are measured per service from /proc. A `.ts` entry runs
 * under tsx instead. Logs are JSON lines, written to
 * test-results/bench-logs/<service>.log; the last warnings are kept for the report.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Env } from '../../shared/config.ts';

export interface ServiceProcess {
  name: string;
  pid: number;
  /** Resolves with the first log line for which `match` is true; rejects if the process exits first. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<void>;
  /** Rejects when the process exits before stop() was called (a crash, or a signal from outside). */
  readonly died: Promise<never>;
  /** Log lines at warn level and above, newest last (at most 200). */
  warnings(): string[];
  /** SIGTERM (each entry stops cleanly on it), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * @example
 * const broker = startService('broker', 'broker/main.ts', env, ['--cpu-prof']);
 * await broker.waitForLog((l) => l.msg === 'broker listening', 20_000);
 */
export function startService(
  name: string,
  entry: string,
  env: Env,
  nodeArgs: string[] = [],
  logDir = 'test-results/bench-logs',
): ServiceProcess {
  mkdirSync(logDir, { recursive: true });
  const file = createWriteStream(join(logDir, `${name}.log`));
  // A bundle (dist/*.mjs, shared/service-bundles.ts) runs as deployed; a .ts entry under tsx.
  const loader = entry.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...loader, entry], {
    env: { ...env, LOG_FORMAT: 'json' } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const warnings: string[] = [];
  const listeners = new Set<(line: Record<string, unknown>) => void>();
  const onLine = (text: string) => {
    file.write(`${text}\n`);
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { level: 50, msg: text };
    }
    if (typeof line.level === 'number' && line.level >= 40) {
      warnings.push(text.slice(0, 500));
      if (warnings.length > 200) warnings.shift();
    }
    for (const l of listeners) l(line);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  let stopping = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) =>
      resolve(code ?? ((signal ? `signal ${signal}` : null) as number | null)),
    ),
  );
  const died = exited.then((code) => {
    if (!stopping)
      throw new Error(`${name} exited unexpectedly (${code}):\n${warnings.slice(-10).join('\n')}`);
    return new Promise<never>(() => {});
  });
  died.catch(() => {});

  return {
    name,
    pid: child.pid!,
    waitForLog(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(
            new Error(
              `${name} did not log the expected line within ${timeoutMs} ms:\n${warnings.join('\n')}`,
            ),
          );
        }, timeoutMs);
        const listener = (line: Record<string, unknown>) => {
          if (!match(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve();
        };
        listeners.add(listener);
        exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited with code ${code}:\n${warnings.join('\n')}`));
        });
      });
    },
    died,
    warnings: () => [...warnings],
    async stop(graceMs = 15_000) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      file.end();
    },
  };
}
