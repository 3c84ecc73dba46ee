/**
 * The dashboard's HTTP API as the browser uses it. The session lives in the HttpOnly
 * `jj_session` cookie (same origin), so no token is ever kept in page-readable storage; the
 * `token` the login answer carries is for scripts and is ignored here.
 */
import type { Alarm, AlarmSettings, AlarmSettingsInput, AlarmType, Severity } from '../../shared/alarms.ts';
import type { ForecastResponse } from '../../shared/forecast.ts';
import type { DeviceType, SiteInput, SiteKind } from '../../shared/registry-schemas.ts';
import type { HistoryBucket, SiteView } from '../../shared/site-state.ts';
import type { AlarmEvent } from './alarm-order.ts';

export type { ForecastResponse };

export const ROLES = ['admin', 'operator', 'manager'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  username: string;
  role: Role;
  /** Manager only: the sites this user may see. */
  sites?: string[];
}

export interface ServerInfo {
  store: 'influx' | 'memory';
  storeDescription: string;
  policy: { id: string; label: { id: string; en: string } };
}

/** A device as `GET /api/sites/:id` lists it; fields beyond id are shown when present. */
export interface SiteDevice {
  id: string;
  type?: string;
  name?: string;
  /** ISO 8601 time ingest last heard from the device, null if never. */
  lastSeenAt?: string | null;
  /** From the device's retained `status` (birth / last will); null when it never said. */
  online?: boolean | null;
}

export type TemperatureKind = 'body' | 'ambient';

/** One bucket of `GET /api/sites/:id/temperature`: readings of one kind in [t, t + stepMs). */
export interface TemperatureBucket {
  t: string;
  max: number | null;
  mean: number | null;
  count: number;
}

export interface TemperatureResponse {
  siteId: string;
  kind: TemperatureKind;
  from: string;
  to: string;
  stepMs: number;
  buckets: TemperatureBucket[];
}

export type SiteDetail = SiteView & { devices?: SiteDevice[] };

export interface HistoryResponse {
  siteId: string;
  from: string;
  to: string;
  stepMs: number;
  buckets: HistoryBucket[];
}

/** Body of `PATCH /api/sites/:id`: only what changes; `null` removes an optional field. */
export interface SitePatch {
  name?: string;
  designCapacity?: number;
  areaM2?: number | null;
  policyPct?: number | null;
  route?: string | null;
  /** Listed in the public crowd guide; `null` returns to the default for the kind. */
  public?: boolean | null;
}

export type AlarmVerb = 'ack' | 'clear' | 'comment' | 'assign';

export interface AlarmQuery {
  /** `open` = not cleared (open and acknowledged). Omitted: whatever the server keeps. */
  state?: 'open' | 'acknowledged' | 'cleared';
  siteId?: string;
  type?: AlarmType;
}

export interface DeviceListing {
  id: string;
  siteId: string;
  type: DeviceType;
  name?: string;
  createdAt?: string;
}

export interface Webhook {
  id: string;
  url: string;
  sites?: string[];
  minSeverity?: Severity;
  format?: 'json' | 'text';
  createdAt?: string;
}

export interface WebhookInput {
  url: string;
  secret: string;
  sites?: string[];
  minSeverity?: Severity;
  format?: 'json' | 'text';
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'suppressed';

export interface Delivery {
  id: string;
  webhookId: string;
  alarmId: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  createdAt: string | number;
  deliveredAt?: string | number | null;
}

export type KindPct = Partial<Record<SiteKind, number>>;

export interface PolicyPresetInfo {
  id: string;
  label: { id: string; en: string };
  pct: Record<SiteKind, number>;
}

export interface PolicyChange {
  from: string | { id: string; kindPct?: KindPct };
  to: string | { id: string; kindPct?: KindPct };
  at: string | number;
  by: string;
  fromKindPct?: KindPct;
  toKindPct?: KindPct;
}

export interface PolicyState {
  current: { id: string; kindPct?: KindPct };
  presets: PolicyPresetInfo[];
  changes: PolicyChange[];
}

export interface UserInput {
  username: string;
  password: string;
  role: Role;
  sites: string[];
}

/**
 * `GET /api/policy` as the UI needs it. Accepts both `{current: {id, kindPct}, ...}` and the
 * flat `{id, kindPct, label, presets, changes}` the first server version answered.
 */
export function normalizePolicy(raw: unknown): PolicyState {
  const r = (raw ?? {}) as Record<string, unknown>;
  const current = (r.current as PolicyState['current'] | undefined) ?? {
    id: String(r.id ?? ''),
    ...(r.kindPct ? { kindPct: r.kindPct as KindPct } : {}),
  };
  return {
    current,
    presets: Array.isArray(r.presets) ? (r.presets as PolicyPresetInfo[]) : [],
    changes: Array.isArray(r.changes) ? (r.changes as PolicyChange[]) : [],
  };
}

/** `GET /api/alarm-settings` (dashboard/registry-routes.ts): the overrides and what is in force. */
export interface AlarmSettingsState {
  all: AlarmSettingsInput;
  kinds: Partial<Record<SiteKind, AlarmSettingsInput>>;
  changedAt: string | null;
  changedBy: string | null;
  defaults: AlarmSettings;
  /** Per site kind: defaults <- city-wide <- kind. */
  effective: Record<SiteKind, AlarmSettings>;
}

/** One recorded counting correction (`GET /api/sites/:id/corrections`), oldest first. */
export interface CorrectionEntry {
  at: string;
  /** `reset`, `correct`, or `reboot` (a door counter's totals went down: new baseline). */
  action: string | null;
  occupancyBefore: number | null;
  occupancyAfter: number | null;
  reason: string | null;
  by: string | null;
}

/** An answer with a 4xx/5xx status; `status` 0 means the server could not be reached. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    /** The server's own `{"error"}` text (or the status text), without method and path. */
    readonly reason = message,
  ) {
    super(message);
  }
}

async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, `${method} ${path}: ${(err as Error).message}`, (err as Error).message);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const message =
      json && typeof json === 'object' && 'error' in json
        ? String((json as { error: unknown }).error)
        : res.statusText;
    throw new ApiError(res.status, `${method} ${path}: ${message}`, message);
  }
  return json as T;
}

export const api = {
  login: (username: string, password: string) =>
    request<{ token: string; user: User }>('POST', '/api/login', { username, password }),
  logout: () => request<unknown>('POST', '/api/logout', {}),
  /** The signed-in user, or undefined when the session is missing or expired (401). */
  async me(): Promise<User | undefined> {
    try {
      const answer = await request<User | { user: User }>('GET', '/api/me');
      // Accept both `{username, role}` and `{user: {...}}`, whichever the server settles on.
      return 'user' in answer ? answer.user : answer;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return undefined;
      throw err;
    }
  },
  sites: () => request<SiteView[]>('GET', '/api/sites'),
  site: (id: string, signal?: AbortSignal) =>
    request<SiteDetail>('GET', `/api/sites/${encodeURIComponent(id)}`, undefined, signal),
  history: (id: string, fromMs: number, toMs: number, step: string, signal?: AbortSignal) =>
    request<HistoryResponse>(
      'GET',
      `/api/sites/${encodeURIComponent(id)}/history?${new URLSearchParams({ from: String(fromMs), to: String(toMs), step })}`,
      undefined,
      signal,
    ),
  /** Temperature readings of one kind in buckets (body: the peak matters, ambient: the mean). */
  temperature: (
    id: string,
    kind: TemperatureKind,
    fromMs: number,
    toMs: number,
    step: string,
    signal?: AbortSignal,
  ) =>
    request<TemperatureResponse>(
      'GET',
      `/api/sites/${encodeURIComponent(id)}/temperature?${new URLSearchParams({ from: String(fromMs), to: String(toMs), step, kind })}`,
      undefined,
      signal,
    ),
  /** The next hour's expected occupancy (dashboard/forecast-routes.ts). */
  forecast: (id: string, signal?: AbortSignal) =>
    request<ForecastResponse>('GET', `/api/sites/${encodeURIComponent(id)}/forecast`, undefined, signal),
  info: () => request<ServerInfo>('GET', '/api/info'),

  alarms: (query: AlarmQuery = {}, signal?: AbortSignal) =>
    request<Alarm[]>('GET', `/api/alarms${queryString({ ...query })}`, undefined, signal),
  /** Every stored transition of a site's alarms (default: the last 7 days), oldest first. */
  alarmEvents: (siteId: string, signal?: AbortSignal) =>
    request<AlarmEvent[]>(
      'GET',
      `/api/sites/${encodeURIComponent(siteId)}/alarm-events?limit=2000`,
      undefined,
      signal,
    ),
  /** Acknowledge, clear, comment or assign; answers the alarm as ingest left it. */
  alarmAction: (id: string, verb: AlarmVerb, body: { comment?: string; assignee?: string | null }) =>
    request<Alarm>('POST', `/api/alarms/${encodeURIComponent(id)}/${verb}`, body),

  resetCounts: (siteId: string, reason: 'manual' | 'end-of-line') =>
    request<unknown>('POST', `/api/sites/${encodeURIComponent(siteId)}/counts/reset`, { reason }),
  correctCounts: (siteId: string, occupancy: number, reason: string) =>
    request<unknown>('POST', `/api/sites/${encodeURIComponent(siteId)}/counts/correct`, {
      occupancy,
      reason,
    }),

  createSite: (input: SiteInput) => request<unknown>('POST', '/api/sites', input),
  /** Admin: change a site; `null` removes an optional field (e.g. the site's own policy share). */
  updateSite: (id: string, patch: SitePatch) =>
    request<unknown>('PATCH', `/api/sites/${encodeURIComponent(id)}`, patch),
  devices: () => request<DeviceListing[]>('GET', '/api/devices'),
  createDevice: (input: { id: string; siteId: string; type: DeviceType; name?: string }) =>
    request<{ id: string; secret: string }>('POST', '/api/devices', input),

  users: () => request<User[]>('GET', '/api/users'),
  createUser: (input: UserInput) => request<User>('POST', '/api/users', input),
  updateUser: (username: string, patch: { role?: Role; sites?: string[]; password?: string }) =>
    request<User>('PATCH', `/api/users/${encodeURIComponent(username)}`, patch),
  deleteUser: (username: string) => request<unknown>('DELETE', `/api/users/${encodeURIComponent(username)}`),

  webhooks: () => request<Webhook[]>('GET', '/api/webhooks'),
  createWebhook: (input: WebhookInput) => request<Webhook>('POST', '/api/webhooks', input),
  deleteWebhook: (id: string) => request<unknown>('DELETE', `/api/webhooks/${encodeURIComponent(id)}`),
  deliveries: (limit = 50) => request<Delivery[]>('GET', `/api/webhooks/deliveries${queryString({ limit })}`),

  alarmSettings: () => request<AlarmSettingsState>('GET', '/api/alarm-settings'),
  /** Admin: replaces every override (city-wide and per kind) at once. */
  setAlarmSettings: (body: {
    all: AlarmSettingsInput;
    kinds: Partial<Record<SiteKind, AlarmSettingsInput>>;
  }) => request<unknown>('PUT', '/api/alarm-settings', body),
  corrections: (siteId: string, signal?: AbortSignal) =>
    request<CorrectionEntry[]>(
      'GET',
      `/api/sites/${encodeURIComponent(siteId)}/corrections`,
      undefined,
      signal,
    ),

  policy: async () => normalizePolicy(await request<unknown>('GET', '/api/policy')),
  setPolicy: (id: string, kindPct?: KindPct) =>
    request<unknown>('PUT', '/api/policy', kindPct && Object.keys(kindPct).length ? { id, kindPct } : { id }),
};

function queryString(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : '';
}
