/**
 * Transport facts of a request (issue #6 item 5, docs/security.md): whether the browser reached
 * us over HTTPS, which client IP sent it, and the TLS material when the dashboard serves HTTPS
 * itself (HTTPS_CERT / HTTPS_KEY).
 *
 * Proxy headers are trusted in two different ways on purpose:
 * - "Is it HTTPS?" trusts `X-Forwarded-Proto: https` always. It only ever makes us stricter (a
 *   `Secure` cookie, an HSTS header), so a client that forges it hurts nobody but itself, while a
 *   TLS-terminating proxy whose operator forgot TRUST_PROXY still gets Secure cookies.
 * - The client IP (login limiting) and a forwarded host (same-origin check) are trusted only with
 *   TRUST_PROXY = number of proxies in front, because a forged X-Forwarded-For would let an
 *   attacker pick a fresh IP for every password guess.
 */
import { readFile } from 'node:fs/promises';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';

/** Hono's default HSTS value: 180 days, subdomains included (RFC 6797 §6.1). */
export const HSTS_VALUE = 'max-age=15552000; includeSubDomains';

/**
 * The entry a proxy chain of `hops` trusted proxies vouches for: each proxy appends what it saw,
 * so the client is `hops` entries from the right; anything further left is client-supplied.
 *
 * @example forwardedEntry('1.2.3.4, 10.0.0.7', 1) // '10.0.0.7'
 */
export function forwardedEntry(header: string | undefined, hops: number): string | undefined {
  if (!header || hops <= 0) return undefined;
  const entries = header
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return entries[Math.max(0, entries.length - hops)];
}

/**
 * True when the browser talks to us over TLS, directly or through a proxy that says so.
 *
 * @example if (isHttpsRequest(c)) c.header('Strict-Transport-Security', HSTS_VALUE);
 */
export function isHttpsRequest(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  const proto = c.req.header('x-forwarded-proto');
  return proto?.split(',').some((p) => p.trim().toLowerCase() === 'https') ?? false;
}

/**
 * The client's IP: the socket peer, or with `trustProxy` > 0 the address the outermost trusted
 * proxy saw (X-Forwarded-For).
 *
 * @example clientIp(c, 0) // '127.0.0.1'
 */
export function clientIp(c: Context, trustProxy: number): string {
  const forwarded = forwardedEntry(c.req.header('x-forwarded-for'), trustProxy);
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in unit tests has no socket.
    return 'unknown';
  }
}

/** Sends HSTS only over HTTPS: browsers ignore it over plain HTTP anyway (RFC 6797 §8.1). */
export function strictTransportSecurity(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (isHttpsRequest(c)) c.header('Strict-Transport-Security', HSTS_VALUE);
  };
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads HTTPS_CERT / HTTPS_KEY; undefined when neither is set (plain HTTP).
 *
 * @example const tls = await readTlsFiles({ HTTPS_CERT: '/etc/jj/cert.pem', HTTPS_KEY: '/etc/jj/key.pem' });
 * @throws Error naming the variable and path that could not be read
 */
export async function readTlsFiles(config: {
  HTTPS_CERT?: string | undefined;
  HTTPS_KEY?: string | undefined;
}): Promise<TlsFiles | undefined> {
  if (!config.HTTPS_CERT || !config.HTTPS_KEY) return undefined;
  const read = async (name: string, path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(`${name}: cannot read '${path}': ${(err as Error).message}`);
    }
  };
  const [cert, key] = await Promise.all([
    read('HTTPS_CERT', config.HTTPS_CERT),
    read('HTTPS_KEY', config.HTTPS_KEY),
  ]);
  return { cert, key };
}
