/**
 * A tiny HTTP server for the standalone broker and ingest (issue #7 item 5), which have no HTTP of
 * their own: `GET /metrics` (Prometheus text, optional `Authorization: Bearer <METRICS_TOKEN>`)
 * and `GET /healthz` (200 while healthy, 503 otherwise, JSON detail either way, no auth so an
 * orchestrator's probe needs no secret). Nothing else is served. node:http alone: a framework
 * would be more code to trust than this.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { port } from './config.ts';
import { type Logger, silentLogger } from './log.ts';

/**
 * The ops environment of a service, spread into its config schema with its own default port
 * (broker 9101, ingest 9102; `0` turns the server off).
 *
 * @example export const ingestEnvSchema = z.object({ ...opsEnv(9102), ... });
 */
export const opsEnv = (defaultPort: number) => ({
  /** Port of `/metrics` and `/healthz`; 0 = off. */
  OPS_PORT: port(defaultPort),
  /** Interface the ops server listens on. */
  OPS_HOST: z.string().min(1).default('0.0.0.0'),
  /** When set, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(1).optional(),
});

export interface Health {
  /** false answers 503. */
  ok: boolean;
  /** Shown as `status`; default `ok` when ok, else `degraded` (e.g. `degraded` with ok: spooling to disk). */
  status?: string;
  [detail: string]: unknown;
}

export interface OpsServerOptions {
  port: number;
  host?: string;
  token?: string | undefined;
  registry: Registry;
  health: () => Health | Promise<Health>;
  logger?: Logger;
}

export interface OpsServer {
  /** Resolves with the bound port once listening. */
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(req.headers.authorization ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

/**
 * @example
 * const ops = createOpsServer({ port: 9102, registry, health: () => ({ ok: mqttConnected() }) });
 * await ops.start(); // curl http://localhost:9102/metrics
 * await ops.stop();
 */
export function createOpsServer(options: OpsServerOptions): OpsServer {
  const log = (options.logger ?? silentLogger).child({ component: 'ops-server' });
  let server: Server | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    if (path === '/healthz') {
      const { ok, status, ...detail } = await options.health();
      return json(res, ok ? 200 : 503, { status: status ?? (ok ? 'ok' : 'degraded'), ...detail });
    }
    if (path === '/metrics') {
      if (!authorized(req, options.token)) return json(res, 401, { error: 'metrics token required' });
      return send(res, 200, options.registry.contentType, await options.registry.metrics());
    }
    return json(res, 404, { error: 'not found' });
  };

  return {
    async start() {
      const s = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          log.error({ err, url: req.url }, 'ops request failed');
          if (!res.headersSent) json(res, 500, { error: 'internal error' });
          else res.destroy();
        });
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(options.port, options.host ?? '0.0.0.0', () => {
          s.off('error', reject);
          resolve();
        });
      });
      server = s;
      const { port: bound } = s.address() as AddressInfo;
      const host = options.host && !['0.0.0.0', '::'].includes(options.host) ? options.host : 'localhost';
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
      log.info({ url }, 'ops server (/metrics, /healthz) listening');
      return { port: bound, url };
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
