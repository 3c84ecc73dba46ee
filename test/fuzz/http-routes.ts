/**
 * The operator-API routes the HTTP fuzzer covers (enumerated from registry-routes, user-routes,
 * alarm-routes, count-routes, history-routes and webhook-routes), each with how to make a good
 * request and who may make it. auth-routes' login is generated in http-cases.ts.
 */
import type { Rng } from './fuzz-kit.ts';

export type HttpExpect = 'ok' | 'bad' | 'any';
export type As = 'admin' | 'manager' | 'anonymous';

export interface HttpCase {
  n: number;
  cls: string;
  as: As;
  method: string;
  path: string;
  /** Raw body bytes/text; `contentType` defaults to application/json when a body is given. */
  body?: string | Buffer;
  contentType?: string;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
  expect: HttpExpect;
  /** A good write to check afterwards: it must still be there. */
  created?: { kind: 'site' | 'device' | 'user' | 'webhook'; id: string };
}

/** Sites the fuzz test creates first; the manager may see only the first one. */
export const HTTP_FIXTURE = {
  managerSite: 'hf-pasar-botania',
  otherSite: 'hf-ocarina',
  manager: { username: 'hf-manager', password: 'kata-sandi-manajer-1' },
} as const;

export interface Route {
  cls: string;
  method: string;
  path: (ctx: Ctx) => string;
  /** A good body (undefined for body-less routes). */
  body?: (ctx: Ctx) => Record<string, unknown>;
  /** A good query string. */
  query?: (ctx: Ctx) => Record<string, string>;
  /** Good requests are 2xx only for these roles; others get 403 (or 404 for invisible sites). */
  roles: As[];
  /** The body schema refuses unknown keys (zod `.strict()`). */
  strict?: boolean;
  created?: (ctx: Ctx, body: Record<string, unknown>) => HttpCase['created'];
  /** The path names something (site, user…) that a wrong id makes 404. */
  idParam?: boolean;
  /** Good requests are only `any` (an outcome that depends on state, e.g. ingest's reply). */
  goodIsAny?: boolean;
}

export interface Ctx {
  rng: Rng;
  uniq: () => string;
  /** Sites and users created by good requests so far (later good requests use them). */
  sites: string[];
  users: string[];
}

const time = (ctx: Ctx) => String(Date.UTC(2025, 10, 28) - ctx.rng.int(0, 86_400_000));

/** Strings that have broken other systems: bidi overrides, NUL, BOM, markup, injections. */
export const UNICODE = [
  'Pasar Induk Jodoh \u{1F68C}',
  '\u202Eevil\u202C',
  'zero\u200Bwidth',
  'Kampung Vi\u1EC7t Nam',
  '\u0000nul',
  '\uFEFFbom',
  '\u{10FFFF}',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, literally
  '${jndi:ldap://x}',
];

/** Every operator-API route with a body, path parameters or a query, with a good request each. */
export const ROUTES: Route[] = [
  {
    cls: 'POST /api/sites',
    method: 'POST',
    path: () => '/api/sites',
    body: (ctx) => ({
      id: `hf-site-${ctx.uniq()}`,
      name: ctx.rng.pick(UNICODE.filter((u) => !u.includes('\u0000') && u.trim().length > 0)),
      kind: ctx.rng.pick(['bus', 'market', 'attraction', 'mall']),
      designCapacity: ctx.rng.int(1, 5000),
      ...(ctx.rng.chance(0.5) ? { areaM2: ctx.rng.int(10, 20_000) } : {}),
      ...(ctx.rng.chance(0.5) ? { location: { lat: 1.1, lon: 104.05 } } : {}),
    }),
    roles: ['admin'],
    created: (_ctx, body) => ({ kind: 'site', id: String(body.id) }),
  },
  {
    cls: 'PATCH /api/sites/:id',
    method: 'PATCH',
    path: (ctx) => `/api/sites/${ctx.rng.pick([HTTP_FIXTURE.otherSite, ...ctx.sites])}`,
    body: (ctx) => ({ name: `Diubah ${ctx.uniq()}`, designCapacity: ctx.rng.int(1, 900) }),
    roles: ['admin'],
    strict: true,
    idParam: true,
  },
  {
    cls: 'GET /api/sites/:id',
    method: 'GET',
    path: () => `/api/sites/${HTTP_FIXTURE.managerSite}`,
    roles: ['admin', 'manager'],
    idParam: true,
  },
  {
    cls: 'GET /api/devices',
    method: 'GET',
    path: () => '/api/devices',
    query: () => ({ siteId: HTTP_FIXTURE.managerSite }),
    roles: ['admin', 'manager'],
  },
  {
    cls: 'POST /api/devices',
    method: 'POST',
    path: () => '/api/devices',
    body: (ctx) => ({
      id: `hf-dev-${ctx.uniq()}`,
      siteId: HTTP_FIXTURE.otherSite,
      type: ctx.rng.pick(['door-counter', 'occupancy-sensor', 'thermal-scanner', 'gateway']),
    }),
    roles: ['admin'],
    created: (_ctx, body) => ({ kind: 'device', id: String(body.id) }),
  },
  {
    cls: 'POST /api/devices/:id/secret',
    method: 'POST',
    path: () => '/api/devices/hf-fixture-door/secret',
    roles: ['admin'],
    idParam: true,
  },
  {
    cls: 'PUT /api/policy',
    method: 'PUT',
    path: () => '/api/policy',
    body: (ctx) => ({
      id: ctx.rng.pick(['normal', 'ppkm-3', 'psbb']),
      ...(ctx.rng.chance(0.5) ? { kindPct: { mall: ctx.rng.pick([0.5, 75]) } } : {}),
    }),
    roles: ['admin'],
  },
  {
    cls: 'PUT /api/alarm-settings',
    method: 'PUT',
    path: () => '/api/alarm-settings',
    body: () => ({ all: {} }),
    roles: ['admin'],
    strict: true,
  },
  {
    cls: 'POST /api/users',
    method: 'POST',
    path: () => '/api/users',
    body: (ctx) => ({
      username: `hf-user-${ctx.uniq()}`,
      password: 'kata-sandi-panjang',
      role: 'manager',
      sites: [HTTP_FIXTURE.managerSite],
    }),
    roles: ['admin'],
    created: (_ctx, body) => ({ kind: 'user', id: String(body.username) }),
  },
  {
    cls: 'PATCH /api/users/:username',
    method: 'PATCH',
    path: () => `/api/users/${HTTP_FIXTURE.manager.username}`,
    body: () => ({ sites: [HTTP_FIXTURE.managerSite] }),
    roles: ['admin'],
    idParam: true,
  },
  {
    cls: 'GET /api/users/:username',
    method: 'GET',
    path: () => `/api/users/${HTTP_FIXTURE.manager.username}`,
    roles: ['admin'],
    idParam: true,
  },
  {
    cls: 'GET /api/sites/:id/history',
    method: 'GET',
    path: () => `/api/sites/${HTTP_FIXTURE.managerSite}/history`,
    query: (ctx) => {
      const to = Number(time(ctx));
      return {
        from: String(to - 3_600_000),
        to: String(to),
        step: ctx.rng.pick(['1m', '30s', '60000', '1h']),
      };
    },
    roles: ['admin', 'manager'],
    idParam: true,
  },
  {
    cls: 'GET /api/sites/:id/temperature',
    method: 'GET',
    path: () => `/api/sites/${HTTP_FIXTURE.managerSite}/temperature`,
    query: (ctx) => ({
      from: '2025-11-28T00:00:00Z',
      to: '2025-11-28T06:00:00Z',
      kind: ctx.rng.pick(['body', 'ambient']),
    }),
    roles: ['admin', 'manager'],
    idParam: true,
  },
  {
    cls: 'GET /api/alarms',
    method: 'GET',
    path: () => '/api/alarms',
    query: (ctx) => ({ state: 'open', limit: String(ctx.rng.int(1, 100)) }),
    roles: ['admin', 'manager'],
  },
  {
    // No alarm exists: a well-formed id is 404, which is what the fuzz checks (never a 500).
    cls: 'POST /api/alarms/:id/ack',
    method: 'POST',
    path: () => `/api/alarms/${encodeURIComponent(`${HTTP_FIXTURE.managerSite}:capacity:1764316800000`)}/ack`,
    body: () => ({ comment: 'sudah ditangani' }),
    roles: [],
    strict: true,
    idParam: true,
    goodIsAny: true,
  },
  {
    cls: 'GET /api/sites/:id/alarm-events',
    method: 'GET',
    path: () => `/api/sites/${HTTP_FIXTURE.managerSite}/alarm-events`,
    query: () => ({ from: '2025-11-01T00:00:00Z', to: '2025-11-28T00:00:00Z', limit: '10' }),
    roles: ['admin', 'manager'],
    idParam: true,
  },
  {
    cls: 'POST /api/sites/:id/counts/correct',
    method: 'POST',
    path: () => `/api/sites/${HTTP_FIXTURE.managerSite}/counts/correct`,
    body: (ctx) => ({ occupancy: ctx.rng.int(0, 300), reason: 'hitung manual' }),
    // Corrections are for admins and operators, not the venue's own manager.
    roles: ['admin'],
    strict: true,
    idParam: true,
    // 409 until a device has reported a count: the fixture site has none.
    goodIsAny: true,
  },
  {
    cls: 'POST /api/sites/:id/counts/reset',
    method: 'POST',
    path: () => `/api/sites/${HTTP_FIXTURE.managerSite}/counts/reset`,
    body: () => ({}),
    // Corrections are for admins and operators, not the venue's own manager.
    roles: ['admin'],
    strict: true,
    idParam: true,
  },
  {
    cls: 'GET /api/sites/:id/corrections',
    method: 'GET',
    path: () => `/api/sites/${HTTP_FIXTURE.managerSite}/corrections`,
    query: () => ({ limit: '5' }),
    roles: ['admin', 'manager'],
    idParam: true,
  },
  {
    cls: 'POST /api/webhooks',
    method: 'POST',
    path: () => '/api/webhooks',
    body: (ctx) => ({
      url: `https://wa-gateway.example.id/hook/${ctx.uniq()}`,
      secret: 'rahasia-webhook-16+',
      minSeverity: ctx.rng.pick(['warning', 'critical']),
      format: ctx.rng.pick(['json', 'text']),
      sites: [HTTP_FIXTURE.managerSite],
    }),
    roles: ['admin'],
    strict: true,
    created: () => undefined,
  },
  {
    cls: 'GET /api/webhooks/deliveries',
    method: 'GET',
    path: () => '/api/webhooks/deliveries',
    query: (ctx) => ({ limit: String(ctx.rng.int(1, 500)) }),
    roles: ['admin'],
  },
];
