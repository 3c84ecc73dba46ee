/**
 * The HTTP side of the InfluxDB store: one keep-alive agent shared by the WriteApi and our own
 * `/ping` and `/query` calls, so close() can release every socket (DESIGN.md "Known traps": a
 * per-message writer ran out of sockets), and the auth header per API version.
 */
import http from 'node:http';
import https from 'node:https';
import type { InfluxConfig } from '../config.ts';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface InfluxHttp {
  readonly agent: http.Agent;
  /** `Authorization` header for `api`, or undefined when auth is off. */
  authorization(api: 'v1' | 'v2'): string | undefined;
  request(method: 'GET' | 'POST', pathAndQuery: string, api: 'v1' | 'v2'): Promise<HttpAnswer>;
  close(): void;
}

/**
 * v1: a token `user:password` becomes HTTP basic auth (1.x has no tokens; 1.8+ would also take
 * `Token user:password`, 1.6 does not). v2: `Token <token>`.
 */
export function authorizationFor(token: string | undefined, api: 'v1' | 'v2'): string | undefined {
  if (!token) return undefined;
  if (api === 'v1' && token.includes(':')) return `Basic ${Buffer.from(token).toString('base64')}`;
  return `Token ${token}`;
}

/** The URL without credentials, query or trailing slash, for logs and the UI. */
export function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * @example
 * const h = createInfluxHttp(config, 2);
 * const ping = await h.request('GET', '/ping', 'v1');
 * h.close();
 */
export function createInfluxHttp(config: InfluxConfig, maxSockets: number, timeoutMs = 10_000): InfluxHttp {
  const base = new URL(safeUrl(config.url));
  const secure = base.protocol === 'https:';
  // One socket per in-flight write plus one for reads.
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: maxSockets + 1 })
    : new http.Agent({ keepAlive: true, maxSockets: maxSockets + 1 });
  const authorization = (api: 'v1' | 'v2') => authorizationFor(config.token, api);

  const request = (method: 'GET' | 'POST', pathAndQuery: string, api: 'v1' | 'v2') =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const auth = authorization(api);
      const req = (secure ? https : http).request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: base.pathname.replace(/\/+$/, '') + pathAndQuery,
          method,
          agent,
          timeout: timeoutMs,
          headers: { accept: 'application/json', ...(auth ? { authorization: auth } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${pathAndQuery} timed out after ${timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end();
    });

  return { agent, authorization, request, close: () => agent.destroy() };
}
