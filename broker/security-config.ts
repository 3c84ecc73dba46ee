/**
 * The broker's security settings (issue #6 item 5): TLS listeners, per-device publish rate,
 * connection limits, failed-login backoff and integration accounts. Spread into
 * `brokerConfigSchema` (config.ts); `securityProblems` checks what spans several variables.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { onOff, port } from '../shared/config.ts';

export const INTEGRATION_USER_PREFIX = 'int:';
export const INTEGRATION_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const INTEGRATION_RIGHTS = ['read', 'readwrite'] as const;
export type IntegrationRights = (typeof INTEGRATION_RIGHTS)[number];

/** One integration service account: `int:<name>`, its secret stored only as a scrypt hash. */
export interface IntegrationAccount {
  name: string;
  rights: IntegrationRights;
  secretHash: string;
}

const SCRYPT_HASH = /^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/;

/**
 * Parses `MQTT_INTEGRATIONS`: comma-separated `name:rights:scryptHash` entries, e.g.
 * `grafana-bridge:read:scrypt$32768$8$1$<salt>$<hash>`. The hash comes from
 * `npx tsx broker/hash-secret.ts`; a plaintext secret is refused so none ever sits in the env.
 *
 * @example parseIntegrations('bridge:read:scrypt$32768$8$1$c2FsdA$aGFzaA') // [{ name: 'bridge', rights: 'read', secretHash: 'scrypt$…' }]
 */
export function parseIntegrations(value: string): { accounts: IntegrationAccount[]; problems: string[] } {
  const accounts: IntegrationAccount[] = [];
  const problems: string[] = [];
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  entries.forEach((entry, i) => {
    const [name = '', rights = '', secretHash = '', ...rest] = entry.split(':');
    // Never echo the entry: its third field may be a secret pasted by mistake.
    const at = `entry ${i + 1}`;
    if (rest.length > 0) problems.push(`${at}: expected name:rights:scryptHash`);
    else if (!INTEGRATION_NAME_PATTERN.test(name))
      problems.push(`${at}: name must match ${INTEGRATION_NAME_PATTERN}`);
    else if (!(INTEGRATION_RIGHTS as readonly string[]).includes(rights))
      problems.push(`${at} (${name}): rights must be read or readwrite`);
    else if (!SCRYPT_HASH.test(secretHash))
      problems.push(`${at} (${name}): the secret must be a scrypt hash (npx tsx broker/hash-secret.ts)`);
    else if (accounts.some((a) => a.name === name)) problems.push(`${at}: duplicate name '${name}'`);
    else accounts.push({ name, rights: rights as IntegrationRights, secretHash });
  });
  return { accounts, problems };
}

const ipList = z
  .string()
  .default('127.0.0.1,::1')
  .transform((value, ctx) => {
    if (value.trim() === 'none') return [];
    const ips = value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    for (const ip of ips)
      if (!isIP(ip)) ctx.addIssue({ code: 'custom', message: `'${ip}' is not an IP address` });
    return ips;
  });

const integrations = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const { accounts, problems } = parseIntegrations(value);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return accounts;
  });

const positive = (fallback: number) => z.coerce.number().positive().default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export const securityEnv = {
  /** PEM certificate chain for MQTT over TLS and WebSocket over TLS (wss); with MQTT_TLS_KEY. */
  MQTT_TLS_CERT: z.string().optional(),
  /** PEM private key of MQTT_TLS_CERT. */
  MQTT_TLS_KEY: z.string().optional(),
  /** PEM CA bundle to send with the chain (intermediates). */
  MQTT_TLS_CA: z.string().optional(),
  /** MQTT over TLS, served when MQTT_TLS_CERT and MQTT_TLS_KEY are set. */
  MQTTS_PORT: port(8883),
  /** `on`: no plain TCP listener (MQTT_PORT is ignored); needs the TLS variables. */
  MQTT_TLS_ONLY: onOff('off'),
  /** Sustained PUBLISH rate per device, messages per second (token bucket refill). */
  MQTT_DEVICE_RATE: positive(20),
  /** Messages a device may send at once above the sustained rate (token bucket size). */
  MQTT_DEVICE_BURST: z.coerce.number().int().min(1).default(200),
  /** Authenticated connections at most; services and integrations are exempt. 0 = no limit. */
  MQTT_MAX_CONNECTIONS: count(50_000),
  /** Device connections per source IP; high by default because mobile carriers NAT many buses behind one IP. 0 = no limit. */
  MQTT_MAX_CONNECTIONS_PER_IP: count(1000),
  /** Source IPs exempt from the per-IP limit and the per-IP login backoff (`none` for none). */
  MQTT_LIMIT_EXEMPT_IPS: ipList,
  /** Failed logins from one IP (or for one service/integration user) before backoff starts. */
  MQTT_AUTH_MAX_FAILURES: z.coerce.number().int().min(1).default(10),
  /** Longest backoff after repeated failed logins, in seconds (doubles from 1 s). */
  MQTT_AUTH_BACKOFF_MAX_SECONDS: positive(300),
  /** Integration service accounts `name:read|readwrite:scryptHash,...` (username `int:<name>`). */
  MQTT_INTEGRATIONS: integrations,
};

/**
 * Problems spanning several security variables (a key without a certificate, TLS-only without
 * TLS); empty when the settings are consistent.
 */
export function securityProblems(config: {
  MQTT_TLS_CERT?: string | undefined;
  MQTT_TLS_KEY?: string | undefined;
  MQTT_TLS_CA?: string | undefined;
  MQTT_TLS_ONLY: boolean;
}): string[] {
  const problems: string[] = [];
  if (!!config.MQTT_TLS_CERT !== !!config.MQTT_TLS_KEY)
    problems.push('MQTT_TLS_CERT and MQTT_TLS_KEY must be set together');
  if (config.MQTT_TLS_CA && !config.MQTT_TLS_CERT) problems.push('MQTT_TLS_CA needs MQTT_TLS_CERT');
  if (config.MQTT_TLS_ONLY && !config.MQTT_TLS_CERT)
    problems.push('MQTT_TLS_ONLY needs MQTT_TLS_CERT and MQTT_TLS_KEY');
  return problems;
}
