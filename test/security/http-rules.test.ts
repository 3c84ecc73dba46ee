/**
 * The dashboard's HTTP security rules (issue #6 item 5, docs/security.md), one test per rule,
 * over real HTTP against a real dashboard and broker. HTTPS has its own file (it needs a
 * certificate); "no secret in any log" runs the whole system (http-no-secret-in-logs.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, type RunningDashboard, startDashboard, tempDataDir } from '../../dashboard/test-fixture.ts';
import { type BareBroker, startBareBroker } from '../helpers/bare-broker.ts';

let broker: BareBroker;
let data: { dir: string; dispose(): void };
const running: RunningDashboard[] = [];
let now = Date.UTC(2026, 10, 28, 1, 0, 0);
const clock = { now: () => now };

async function start(env: Record<string, string> = {}) {
  const d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir, env, clock });
  running.push(d);
  return d;
}

/** A raw request with the headers given and nothing else. */
async function raw(
  d: RunningDashboard,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown },
) {
  const res = await fetch(`${d.url}${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Logs in the way a browser does; returns the `jj_session=…` cookie pair. */
async function cookieLogin(d: RunningDashboard, username = ADMIN.username, password = ADMIN.password) {
  const res = await raw(d, '/api/login', {
    body: { username, password },
    headers: { 'sec-fetch-site': 'same-origin' },
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

beforeEach(async () => {
  now = Date.UTC(2026, 10, 28, 1, 0, 0);
  broker = await startBareBroker();
  data = tempDataDir();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.dashboard.stop()));
  await broker.close();
  data.dispose();
});

describe('login rate limiting', () => {
  it('answers 429 with Retry-After in seconds after 5 failures per user and IP, counted in metrics', async () => {
    const d = await start();
    const wrong = { username: 'admin', password: 'salah-sekali' };
    for (let i = 0; i < 5; i++) expect((await d.api('/api/login', { body: wrong })).status).toBe(401);
    now += 60_000;
    const throttled = await d.api('/api/login', { body: ADMIN });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe(String(15 * 60 - 60));
    expect(throttled.body.error).toMatch(/too many failed logins/);
    expect(await d.metrics.getSingleMetricAsString('dashboard_logins_total')).toMatch(
      /dashboard_logins_total\{result="throttled"\} 1/,
    );
    // The window slides: 15 minutes after the failures the right password works again.
    now += 14 * 60_000;
    expect((await d.api('/api/login', { body: ADMIN })).status).toBe(200);
  });

  it('keys by the socket address unless TRUST_PROXY: a forged X-Forwarded-For buys no fresh attempts', async () => {
    const d = await start({ LOGIN_MAX_FAILURES: '2' });
    const attempt = (ip: string) =>
      raw(d, '/api/login', {
        body: { username: 'admin', password: 'salah-sekali' },
        headers: { 'x-forwarded-for': ip },
      });
    expect((await attempt('10.0.0.1')).status).toBe(401);
    expect((await attempt('10.0.0.2')).status).toBe(401);
    expect((await attempt('10.0.0.3')).status).toBe(429);

    const proxied = await start({ LOGIN_MAX_FAILURES: '2', TRUST_PROXY: '1' });
    const viaProxy = (xff: string) =>
      raw(proxied, '/api/login', {
        body: { username: 'admin', password: 'salah-sekali' },
        headers: { 'x-forwarded-for': xff },
      });
    // Behind one proxy the client is the rightmost entry; what the client wrote to its left is ignored.
    expect((await viaProxy('1.1.1.1, 203.0.113.9')).status).toBe(401);
    expect((await viaProxy('2.2.2.2, 203.0.113.9')).status).toBe(401);
    expect((await viaProxy('3.3.3.3, 203.0.113.9')).status).toBe(429);
    expect((await viaProxy('198.51.100.7')).status).toBe(401);
  });

  it("a successful login resets that user's failures", async () => {
    const d = await start();
    for (let i = 0; i < 4; i++)
      await d.api('/api/login', { body: { username: 'admin', password: 'salah-sekali' } });
    await d.login();
    for (let i = 0; i < 4; i++)
      expect(
        (await d.api('/api/login', { body: { username: 'admin', password: 'salah-sekali' } })).status,
      ).toBe(401);
  });
});

describe('session expiry and invalidation', () => {
  it('refuses a cookie and a bearer token once SESSION_TTL_HOURS has passed on the clock', async () => {
    const d = await start({ SESSION_TTL_HOURS: '2' });
    const cookie = await cookieLogin(d);
    const token = await d.login();
    now += 2 * 3_600_000 - 1_000;
    expect((await raw(d, '/api/me', { method: 'GET', headers: { cookie } })).status).toBe(200);
    expect((await d.api('/api/me', { token })).status).toBe(200);
    now += 1_000;
    expect((await raw(d, '/api/me', { method: 'GET', headers: { cookie } })).status).toBe(401);
    expect((await d.api('/api/me', { token })).status).toBe(401);
  });

  it('logout revokes that session only, and the revocation survives a restart', async () => {
    const d = await start();
    const cookie = await cookieLogin(d);
    const other = await d.login();
    const out = await raw(d, '/api/logout', { body: {}, headers: { cookie, origin: d.url } });
    expect(out.status).toBe(200);
    // A copy of the cookie kept by an attacker is dead, the same user's other session is not.
    expect((await raw(d, '/api/me', { method: 'GET', headers: { cookie } })).status).toBe(401);
    expect((await d.api('/api/me', { token: other })).status).toBe(200);

    const scriptToken = await d.login();
    expect((await d.api('/api/logout', { body: {}, token: scriptToken })).status).toBe(200);
    expect((await d.api('/api/me', { token: scriptToken })).status).toBe(401);

    await Promise.all(running.splice(0).map((r) => r.dashboard.stop()));
    const again = await start();
    expect((await raw(again, '/api/me', { method: 'GET', headers: { cookie } })).status).toBe(401);
    expect((await again.api('/api/me', { token: other })).status).toBe(200);
  });

  it("a password change and a user's removal end that user's sessions", async () => {
    const d = await start();
    const admin = await d.login();
    const create = (username: string) =>
      d.api('/api/users', {
        body: { username, password: 'kata-sandi-ops-1', role: 'operator' },
        token: admin,
      });
    expect((await create('ops-a')).status).toBe(201);
    expect((await create('ops-b')).status).toBe(201);
    const a = await d.login('ops-a', 'kata-sandi-ops-1');
    const b = await d.login('ops-b', 'kata-sandi-ops-1');
    expect(
      (
        await d.api('/api/users/ops-a', {
          method: 'PATCH',
          body: { password: 'kata-sandi-ops-2' },
          token: admin,
        })
      ).status,
    ).toBe(200);
    expect((await d.api('/api/me', { token: a })).status).toBe(401);
    expect((await d.api('/api/users/ops-b', { method: 'DELETE', token: admin })).status).toBe(204);
    expect((await d.api('/api/me', { token: b })).status).toBe(401);
  });
});

describe('CSRF', () => {
  const site = (id: string) => ({ id, name: id, kind: 'market', designCapacity: 100 });

  it('refuses a cookie-authenticated cross-site POST with 403 and the same-origin one succeeds', async () => {
    const d = await start();
    const cookie = await cookieLogin(d);
    const refused: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site', origin: d.url },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of refused) {
      const res = await raw(d, '/api/sites', { body: site('pasar-x'), headers: { cookie, ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body).toEqual({ error: 'cross-site request refused' });
    }
    for (const method of ['PUT', 'PATCH', 'DELETE'])
      expect(
        (
          await raw(d, '/api/policy', {
            method,
            body: { id: 'psbb' },
            headers: { cookie, origin: 'https://evil.example' },
          })
        ).status,
      ).toBe(403);
    expect(await d.metrics.getSingleMetricAsString('dashboard_csrf_refused_total')).toMatch(/ 7$/m);
    expect((await d.api('/api/sites', { token: await d.login() })).body).toEqual([]);

    const sameOrigin = await raw(d, '/api/sites', {
      body: site('pasar-a'),
      headers: { cookie, origin: d.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status).toBe(201);
    // An Origin naming our host passes without Sec-Fetch-Site (older browsers).
    expect(
      (await raw(d, '/api/sites', { body: site('pasar-b'), headers: { cookie, origin: d.url } })).status,
    ).toBe(201);
  });

  it('exempts bearer-token requests and requests with no browser headers (scripts)', async () => {
    const d = await start();
    const token = await d.login();
    const bearer = await raw(d, '/api/sites', {
      body: site('pasar-c'),
      headers: {
        authorization: `Bearer ${token}`,
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    expect(bearer.status).toBe(201);
    const cookie = await cookieLogin(d);
    expect((await raw(d, '/api/sites', { body: site('pasar-d'), headers: { cookie } })).status).toBe(201);
  });

  it('refuses a cross-site login (login CSRF) and a cross-site logout', async () => {
    const d = await start();
    const login = await raw(d, '/api/login', { body: ADMIN, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(login.status).toBe(403);
    expect(login.headers.get('set-cookie')).toBeNull();
    const cookie = await cookieLogin(d);
    expect(
      (await raw(d, '/api/logout', { body: {}, headers: { cookie, origin: 'https://evil.example' } })).status,
    ).toBe(403);
    expect((await raw(d, '/api/me', { method: 'GET', headers: { cookie } })).status).toBe(200);
  });
});

describe('security headers', () => {
  it('sends a CSP without inline script, frame-ancestors none, DENY, nosniff, no-referrer, and no HSTS over HTTP', async () => {
    const d = await start();
    for (const path of ['/', '/api/sites', '/healthz']) {
      const res = await fetch(`${d.url}${path}`);
      await res.arrayBuffer();
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp.split(';').map((part) => {
          const [name, ...values] = part.trim().split(/\s+/);
          return [name!, values] as const;
        }),
      );
      expect(directives.get('script-src')).toEqual(["'self'"]);
      expect(directives.get('default-src')).toEqual(["'self'"]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    // The page itself needs no inline script: every <script> loads from a file.
    const html = await (await fetch(`${d.url}/`)).text();
    for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/gi) ?? []) {
      expect(tag).toMatch(/\ssrc=/);
      expect(tag.replace(/<script\b[^>]*>|<\/script>/gi, '').trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});
