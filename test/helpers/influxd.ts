/**
 * Starts a real InfluxDB (Debian's `influxd`, 1.x) on free ports in a temp dir, for tests and
 * benchmarks. The config is derived from `influxd config` (the full default) with directories,
 * ports and noisy services changed, so it keeps working across 1.x versions.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface InfluxdHandle {
  url: string;
  dir: string;
  httpPort: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). Data stays until dispose(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

function configFor(dir: string, httpPort: number, rpcPort: number): string {
  const base = execFileSync('influxd', ['config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  let section = '';
  return base
    .split('\n')
    .map((line) => {
      const header = /^\s*\[+([^\]]+)\]+/.exec(line);
      if (header) section = header[1]!.trim();
      const set = (key: string, value: string) =>
        new RegExp(`^\\s*${key}\\s*=`).test(line) ? `  ${key} = ${value}` : undefined;
      if (section === '')
        return set('bind-address', `"127.0.0.1:${rpcPort}"`) ?? set('reporting-enabled', 'false') ?? line;
      if (section === 'meta')
        return set('dir', `"${join(dir, 'meta')}"`) ?? set('logging-enabled', 'false') ?? line;
      if (section === 'data')
        return (
          set('dir', `"${join(dir, 'data')}"`) ??
          set('wal-dir', `"${join(dir, 'wal')}"`) ??
          set('query-log-enabled', 'false') ??
          line
        );
      if (section === 'monitor') return set('store-enabled', 'false') ?? line;
      if (section === 'http')
        return (
          set('bind-address', `"127.0.0.1:${httpPort}"`) ??
          set('log-enabled', 'false') ??
          set('pprof-enabled', 'false') ??
          line
        );
      if (section === 'continuous_queries') return set('log-enabled', 'false') ?? line;
      if (section === 'subscriber') return set('enabled', 'false') ?? line;
      return line;
    })
    .join('\n');
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`influxd exited with code ${child.exitCode} before answering /ping`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`influxd did not answer ${url}/ping within ${timeoutMs} ms`);
}

export async function startInfluxd(): Promise<InfluxdHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'jagajarak-influxd-'));
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const configPath = join(dir, 'influxdb.conf');
  writeFileSync(configPath, configFor(dir, httpPort, rpcPort));
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess;

  const launch = async () => {
    child = spawn('influxd', ['-config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    try {
      await waitForPing(url, child);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${stderr}`);
    }
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    url,
    dir,
    httpPort,
    stop,
    restart: launch,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs InfluxQL against a 1.x server (tests use it to check what was stored). */
export async function influxQuery(
  url: string,
  db: string,
  q: string,
): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as {
    results?: Array<{
      error?: string;
      series?: Array<{ columns: string[]; values: unknown[][]; tags?: Record<string, string> }>;
    }>;
    error?: string;
  };
  const result = body.results?.[0];
  const error = body.error ?? result?.error;
  if (error) throw new Error(`InfluxQL '${q}' failed: ${error}`);
  return (result?.series ?? []).flatMap((s) =>
    s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, row[i]])) })),
  );
}

/** A database name unique to one test. */
export function testDatabase(prefix = 'test'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
