/**
 * Connection limits and failed-login backoff (issue #6 item 5).
 *
 * - `ConnectionLimits`: at most MQTT_MAX_CONNECTIONS authenticated connections, and at most
 *   MQTT_MAX_CONNECTIONS_PER_IP device connections per source IP. Checked and counted in the same
 *   tick once a CONNECT has been authenticated, so concurrent logins cannot overshoot; refused
 *   with CONNACK 3 "server unavailable", which tells a client to retry later. Services and
 *   integration accounts are never refused (ingest must always get in) but count towards the
 *   total. Source IPs in MQTT_LIMIT_EXEMPT_IPS (default loopback: a local TLS terminator or the
 *   load generator of `npm run bench` connects thousands of devices from 127.0.0.1) skip the
 *   per-IP limit. The per-IP default is high because Indonesian mobile carriers put many buses
 *   behind one carrier-grade NAT address.
 * - `AuthBackoff`: after MQTT_AUTH_MAX_FAILURES failed logins from one IP, or for one `svc:`/`int:`
 *   username, further attempts are refused (CONNACK 3) without checking the secret, for 1 s
 *   doubling up to MQTT_AUTH_BACKOFF_MAX_SECONDS. This bounds guessing of service and
 *   integration secrets (which people choose) and the scrypt CPU an attacker can make us burn.
 *   Device usernames are not backed off by name: device secrets are 256-bit random (nothing to
 *   guess), and locking a device id would let anyone lock a bus out by failing on purpose.
 */
import { type Clock, systemClock } from '../shared/clock.ts';
import type { Identity } from './access-policy.ts';

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) and `10.0.0.1` are one source. */
export function normalizeIp(ip: string | undefined): string | undefined {
  return ip?.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export interface ConnectionLimitOptions {
  /** 0 = no limit. */
  maxConnections: number;
  /** 0 = no limit. */
  maxPerIp: number;
  exemptIps: readonly string[];
}

export type LimitHit = 'max-connections' | 'max-connections-per-ip';

/**
 * @example
 * const limits = new ConnectionLimits({ maxConnections: 50_000, maxPerIp: 1000, exemptIps: ['127.0.0.1'] });
 * const hit = limits.admit(connection, identity, '10.1.2.3'); // undefined: admitted and counted
 * limits.release(connection); // when the connection closes
 */
export class ConnectionLimits {
  private readonly exempt: Set<string>;
  private readonly open = new Map<object, { ip: string | undefined; device: boolean }>();
  private readonly perIp = new Map<string, number>();

  constructor(private readonly options: ConnectionLimitOptions) {
    this.exempt = new Set(options.exemptIps.map((ip) => normalizeIp(ip)!));
  }

  /** Counts `connection` and returns undefined, or returns the limit it would exceed. */
  admit(connection: object, identity: Identity, rawIp: string | undefined): LimitHit | undefined {
    if (this.open.has(connection)) return undefined;
    const ip = normalizeIp(rawIp);
    const device = identity.kind === 'device';
    const { maxConnections, maxPerIp } = this.options;
    if (device && maxConnections > 0 && this.open.size >= maxConnections) return 'max-connections';
    const countsPerIp = device && ip !== undefined && !this.exempt.has(ip);
    if (countsPerIp && maxPerIp > 0 && (this.perIp.get(ip) ?? 0) >= maxPerIp) return 'max-connections-per-ip';
    this.open.set(connection, { ip: countsPerIp ? ip : undefined, device });
    if (countsPerIp) this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    return undefined;
  }

  /** Idempotent: call whenever a connection closes. */
  release(connection: object): void {
    const entry = this.open.get(connection);
    if (!entry) return;
    this.open.delete(connection);
    if (entry.ip === undefined) return;
    const left = (this.perIp.get(entry.ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(entry.ip, left);
    else this.perIp.delete(entry.ip);
  }

  get size(): number {
    return this.open.size;
  }

  clear(): void {
    this.open.clear();
    this.perIp.clear();
  }
}

export interface AuthBackoffOptions {
  maxFailures: number;
  maxBackoffMs: number;
  exemptIps: readonly string[];
  clock?: Clock;
  /** Keys remembered at most (oldest forgotten first), so a scan from many IPs cannot grow it without bound. */
  maxKeys?: number;
}

interface FailureRecord {
  failures: number;
  last: number;
  blockedUntil: number;
}

/**
 * @example
 * const backoff = new AuthBackoff({ maxFailures: 10, maxBackoffMs: 300_000, exemptIps: [] });
 * const keys = backoff.keys('10.1.2.3', 'int:bridge');
 * if (backoff.blockedFor(keys) > 0) refuse(); else if (ok) backoff.succeeded(keys); else backoff.failed(keys);
 */
export class AuthBackoff {
  private readonly records = new Map<string, FailureRecord>();
  private readonly exempt: Set<string>;
  private readonly clock: Clock;
  private readonly maxKeys: number;

  constructor(private readonly options: AuthBackoffOptions) {
    this.exempt = new Set(options.exemptIps.map((ip) => normalizeIp(ip)!));
    this.clock = options.clock ?? systemClock;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** The keys a login attempt is tracked under: its IP (unless exempt) and a service/integration username. */
  keys(rawIp: string | undefined, username: string | undefined): string[] {
    const keys: string[] = [];
    const ip = normalizeIp(rawIp);
    if (ip !== undefined && !this.exempt.has(ip)) keys.push(`ip:${ip}`);
    if (username !== undefined && /^(svc|int):/.test(username)) keys.push(`user:${username.slice(0, 200)}`);
    return keys;
  }

  /** Milliseconds until these keys may try again (0 = now). */
  blockedFor(keys: readonly string[]): number {
    const now = this.clock.now();
    let wait = 0;
    for (const key of keys) {
      const record = this.current(key, now);
      if (record) wait = Math.max(wait, record.blockedUntil - now);
    }
    return wait;
  }

  failed(keys: readonly string[]): void {
    const now = this.clock.now();
    for (const key of keys) {
      const record = this.current(key, now) ?? { failures: 0, last: now, blockedUntil: 0 };
      record.failures++;
      record.last = now;
      const over = record.failures - this.options.maxFailures;
      if (over >= 0)
        record.blockedUntil = now + Math.min(1000 * 2 ** Math.min(over, 30), this.options.maxBackoffMs);
      this.records.delete(key);
      this.records.set(key, record);
      if (this.records.size > this.maxKeys) this.records.delete(this.records.keys().next().value!);
    }
  }

  succeeded(keys: readonly string[]): void {
    for (const key of keys) this.records.delete(key);
  }

  clear(): void {
    this.records.clear();
  }

  /** A record counts until it has been quiet for twice the longest backoff. */
  private current(key: string, now: number): FailureRecord | undefined {
    const record = this.records.get(key);
    if (record && now - record.last > 2 * this.options.maxBackoffMs) {
      this.records.delete(key);
      return undefined;
    }
    return record;
  }
}
