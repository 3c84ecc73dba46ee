/**
 * The broker's run-time protections, in one place so create-broker.ts only calls into them:
 * failed-login backoff and connection limits around aedes' `authenticate` hook, per-device
 * publish pacing in `authorizePublish` (rate-limit.ts), and the source IP of each connection.
 * See connection-limits.ts and rate-limit.ts for the rules and why.
 */
import type { Client } from 'aedes';
import { type Clock, systemClock } from '../shared/clock.ts';
import { type Logger, rateLimitedLog } from '../shared/log.ts';
import type { Identity } from './access-policy.ts';
import { AuthError, CONNACK } from './authenticator.ts';
import type { AuthFailureReason, BrokerMetrics } from './broker-metrics.ts';
import type { BrokerConfig } from './config.ts';
import { AuthBackoff, ConnectionLimits } from './connection-limits.ts';
import { PublishRateLimiter } from './rate-limit.ts';

/** A device disconnected for sustained excess over its publish rate; already counted and logged. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
}

/** Refusals that say the credentials were wrong: what a guesser produces. */
const CREDENTIAL_FAILURES: ReadonlySet<AuthFailureReason> = new Set<AuthFailureReason>([
  'anonymous',
  'missing-password',
  'bad-service-secret',
  'unknown-device',
  'bad-secret',
  'unknown-integration',
  'bad-integration-secret',
]);

export interface BrokerSecurityDeps {
  metrics: BrokerMetrics;
  log: Logger;
  clock?: Clock;
}

/**
 * @example
 * const security = createBrokerSecurity(config, { metrics, log });
 * security.track(connection, socket.remoteAddress); // before aedes.handle(connection)
 * const refusal = security.beforeAuthenticate(client, username); // an AuthError, or undefined
 */
export function createBrokerSecurity(config: BrokerConfig, deps: BrokerSecurityDeps) {
  const { metrics, log } = deps;
  const clock = deps.clock ?? systemClock;
  const limited = rateLimitedLog();
  const exemptIps = config.MQTT_LIMIT_EXEMPT_IPS;
  const backoff = new AuthBackoff({
    maxFailures: config.MQTT_AUTH_MAX_FAILURES,
    maxBackoffMs: config.MQTT_AUTH_BACKOFF_MAX_SECONDS * 1000,
    exemptIps,
    clock,
  });
  const limits = new ConnectionLimits({
    maxConnections: config.MQTT_MAX_CONNECTIONS,
    maxPerIp: config.MQTT_MAX_CONNECTIONS_PER_IP,
    exemptIps,
  });
  const limiter = new PublishRateLimiter({
    rate: config.MQTT_DEVICE_RATE,
    burst: config.MQTT_DEVICE_BURST,
    clock,
  });
  const ips = new WeakMap<object, string | undefined>();
  const timers = new Set<NodeJS.Timeout>();
  const ipOf = (client: Client) => ips.get(client.conn);

  return {
    /** Records the source IP of a connection (the stream handed to aedes.handle) and releases its slot when it closes. */
    track(connection: NodeJS.EventEmitter, ip: string | undefined): void {
      ips.set(connection, ip);
      connection.once('close', () => limits.release(connection));
    },

    /** An AuthError (CONNACK 3) while this IP or service/integration user is backed off. */
    beforeAuthenticate(client: Client, username: string | undefined): AuthError | undefined {
      const wait = backoff.blockedFor(backoff.keys(ipOf(client), username));
      if (wait <= 0) return undefined;
      return new AuthError(
        `too many failed logins, retry in ${Math.ceil(wait / 1000)} s`,
        CONNACK.SERVER_UNAVAILABLE,
        'backoff',
      );
    },

    /** Counts an authenticated connection, or an AuthError (CONNACK 3) when a limit is reached. */
    afterAuthenticate(
      client: Client,
      username: string | undefined,
      identity: Identity,
    ): AuthError | undefined {
      const hit = limits.admit(client.conn, identity, ipOf(client));
      if (hit) {
        metrics.connectionsRefused.inc({ limit: hit });
        return new AuthError(`connection limit reached (${hit})`, CONNACK.SERVER_UNAVAILABLE, 'server-busy');
      }
      backoff.succeeded(backoff.keys(ipOf(client), username));
      return undefined;
    },

    authenticationFailed(client: Client, username: string | undefined, reason: AuthFailureReason): void {
      if (CREDENTIAL_FAILURES.has(reason)) backoff.failed(backoff.keys(ipOf(client), username));
    },

    /**
     * Paces a device's accepted PUBLISH. Returns true when it took over `proceed` (called later,
     * or never if the connection closes first); false when the message may pass now. Last wills
     * are never paced: the connection is already gone.
     */
    pace(client: Client, deviceId: string, packet: object, proceed: (err: Error | null) => void): boolean {
      if (packet === (client as unknown as { will?: unknown }).will) return false;
      const admission = limiter.admit(deviceId);
      if (admission.action === 'pass') return false;
      if (admission.action === 'delay') {
        metrics.rateLimited.inc({ action: 'delayed' });
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!client.closed) proceed(null);
        }, admission.ms);
        timers.add(timer);
        return true;
      }
      metrics.rateLimited.inc({ action: 'disconnected' });
      limited(`rate:${deviceId}`, (suppressed) =>
        log.warn(
          { clientId: client.id, deviceId, rate: config.MQTT_DEVICE_RATE, suppressed },
          `device over its publish rate with more than ${config.MQTT_DEVICE_BURST} messages waiting, disconnecting`,
        ),
      );
      proceed(new RateLimitedError(`publish rate over ${config.MQTT_DEVICE_RATE}/s`));
      return true;
    },

    forgetDevice(deviceId: string): void {
      limiter.forget(deviceId);
    },

    stop(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      limits.clear();
      limiter.clear();
      backoff.clear();
    },
  };
}

export type BrokerSecurity = ReturnType<typeof createBrokerSecurity>;
