/**
 * Provisioning through the operator API, as an installer with an admin account would do it
 * (DESIGN.md "Operator API"): log in for a Bearer token, create each site, register each device
 * and keep the secret it is issued once. Re-running is safe: an existing site (409) is left as
 * it is, an existing device (409) gets a new secret through `POST /api/devices/:id/secret`, since
 * the old one was shown once and is gone.
 */
import { z } from 'zod';
import { type Logger, silentLogger } from '../shared/log.ts';
import type { DeviceInput, SiteInput } from '../shared/registry-schemas.ts';
import { safeParse } from '../shared/validation.ts';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface ProvisionOptions {
  /** e.g. `http://127.0.0.1:3000`. */
  apiUrl: string;
  adminUser: string;
  adminPassword: string;
  sites: SiteInput[];
  devices: DeviceInput[];
  logger?: Logger;
  fetch?: typeof fetch;
  /** Attempts to reach the API at login; the dashboard may still be starting (docker-compose). */
  connectAttempts?: number;
  retryDelayMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

export interface ProvisionResult {
  /** Device id -> secret, for the MQTT password. */
  secrets: Map<string, string>;
  sitesCreated: number;
  sitesExisting: number;
  devicesCreated: number;
  devicesRotated: number;
}

const tokenSchema = z.object({ token: z.string().min(1) });
const secretSchema = z.object({ id: z.string().optional(), secret: z.string().min(1) });

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/**
 * @example
 * const { secrets } = await provisionFleet({ apiUrl, adminUser: 'admin', adminPassword, sites, devices });
 * secrets.get('bus-k1-01-gw'); // the MQTT password of that gateway
 */
export async function provisionFleet(options: ProvisionOptions): Promise<ProvisionResult> {
  const log = options.logger ?? silentLogger;
  const doFetch = options.fetch ?? globalThis.fetch;
  const base = options.apiUrl.replace(/\/+$/, '');
  let token = '';

  async function call(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const res = await doFetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  }

  const fail = (what: string, status: number, json: unknown) => {
    const detail = (json as { error?: unknown } | undefined)?.error;
    return new ApiError(`${what} failed with HTTP ${status}${detail ? `: ${String(detail)}` : ''}`, status);
  };

  const attempts = options.connectAttempts ?? 30;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await call('/api/login', { username: options.adminUser, password: options.adminPassword });
      if (res.status < 200 || res.status >= 300)
        throw fail(`Login as '${options.adminUser}' at ${base}`, res.status, res.json);
      const parsed = safeParse(tokenSchema, res.json);
      if (!parsed.ok) throw new ApiError(`Login at ${base} returned no token: ${parsed.error}`, res.status);
      token = parsed.value.token;
      break;
    } catch (err) {
      if (err instanceof ApiError || attempt >= attempts) throw err;
      log.info({ attempt, err: (err as Error).message }, `waiting for the operator API at ${base}`);
      await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 1000));
    }
  }

  const result: ProvisionResult = {
    secrets: new Map(),
    sitesCreated: 0,
    sitesExisting: 0,
    devicesCreated: 0,
    devicesRotated: 0,
  };
  const limit = options.concurrency ?? 8;

  await mapLimit(options.sites, limit, async (site) => {
    const res = await call('/api/sites', site);
    if (res.status === 409) result.sitesExisting++;
    else if (res.status >= 200 && res.status < 300) result.sitesCreated++;
    else throw fail(`Creating site '${site.id}'`, res.status, res.json);
  });

  await mapLimit(options.devices, limit, async (device) => {
    let res = await call('/api/devices', device);
    if (res.status === 409) {
      res = await call(`/api/devices/${encodeURIComponent(device.id)}/secret`, {});
      if (res.status < 200 || res.status >= 300)
        throw fail(`Rotating the secret of device '${device.id}'`, res.status, res.json);
      result.devicesRotated++;
    } else if (res.status >= 200 && res.status < 300) {
      result.devicesCreated++;
    } else {
      throw fail(`Registering device '${device.id}'`, res.status, res.json);
    }
    const parsed = safeParse(secretSchema, res.json);
    if (!parsed.ok)
      throw new ApiError(`Device '${device.id}': response has no secret: ${parsed.error}`, res.status);
    result.secrets.set(device.id, parsed.value.secret);
  });

  log.info(
    {
      sitesCreated: result.sitesCreated,
      sitesExisting: result.sitesExisting,
      devicesCreated: result.devicesCreated,
      devicesRotated: result.devicesRotated,
    },
    'fleet provisioned',
  );
  return result;
}
