import { describe, expect, it } from 'vitest';
import type { Site } from '../../shared/registry-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';
import { IpRateLimit } from './ip-rate-limit.ts';
import { publicRoutes } from './public-routes.ts';

const T0 = Date.parse('2026-11-28T03:00:00.000Z');

function setup() {
  const clock = { t: T0, now: () => clock.t };
  let occupancy = 10;
  let computed = 0;
  const view = (): SiteView => ({
    id: 'pasar-tos-3000',
    name: 'Pasar Tos 3000',
    kind: 'market',
    occupancy,
    safeCapacity: 100,
    load: occupancy / 100,
    level: 'ok',
    updatedAt: new Date(clock.t).toISOString(),
    lastSeenAt: new Date(clock.t).toISOString(),
    designCapacity: 200,
    location: { lat: 1.1468, lon: 104.0112 },
    route: null,
    bodyTempC: null,
    ambientTempC: null,
    position: null,
  });
  const app = publicRoutes({
    views: () => {
      computed++;
      return [view()];
    },
    siteOf: () => ({ kind: 'market' }) as Site,
    clock,
    limiter: new IpRateLimit({ limit: 5, clock }),
    clientIp: (c) => c.req.header('x-test-client') ?? 'unknown',
    assets: () => ({ html: '<!doctype html><title>x</title>', js: 'void 0', css: '', problem: null }),
    cacheSeconds: 10,
    staleMinutes: 15,
    radiusM: 5000,
    maxAlternatives: 3,
  });
  const get = (client = 'a', headers: Record<string, string> = {}) =>
    app.request('/api/public/crowd', { headers: { 'x-test-client': client, ...headers } });
  return {
    clock,
    get,
    app,
    setOccupancy: (n: number) => {
      occupancy = n;
    },
    computed: () => computed,
  };
}

describe('GET /api/public/crowd', () => {
  it('computes one answer per cache period for every caller', async () => {
    const s = setup();
    const first = await (await s.get('a')).json();
    s.setOccupancy(95);
    s.clock.t += 9_000;
    expect(await (await s.get('b')).json()).toEqual(first);
    expect(s.computed()).toBe(1);
    s.clock.t += 1_000;
    const fresh = await s.get('c');
    expect(fresh.headers.get('cache-control')).toBe('public, max-age=10');
    expect((await fresh.json())[0].level).toBe('padat');
    expect(s.computed()).toBe(2);
  });

  it('answers 304 to a client that already has the current answer', async () => {
    const s = setup();
    const etag = (await s.get()).headers.get('etag')!;
    const again = await s.get('a', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('refuses a client over its budget with 429 and Retry-After, others still served', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) expect((await s.get('greedy')).status).toBe(200);
    s.clock.t += 15_000;
    const refused = await s.get('greedy');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('45');
    expect((await s.get('polite')).status).toBe(200);
  });

  it('serves the page at /publik and /public without a login', async () => {
    const s = setup();
    for (const path of ['/publik', '/public', '/assets/public.js'])
      expect((await s.app.request(path)).status).toBe(200);
  });
});
