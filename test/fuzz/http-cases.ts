/**
 * Seeded generator of operator-API fuzz requests (issue #6 item 4, "the HTTP API gets the same
 * treatment"). Every route with a body, path parameters or a query (registry-routes, user-routes,
 * alarm-routes, count-routes, history-routes, webhook-routes, auth-routes) gets good requests and
 * generated or mutated bad ones. Each request says what must come back:
 * - `ok`: a 2xx (a good request, as a user allowed to make it);
 * - `bad`: a 4xx with `{"error": "<reason>"}`;
 * - `any`: a mutation the API may accept or refuse (an extra key a non-strict schema strips,
 *   a content type it does not insist on), but never a 5xx, and a 4xx carries its reason.
 */
import { prng, type Rng } from './fuzz-kit.ts';
import {
  type As,
  type Ctx,
  HTTP_FIXTURE,
  type HttpCase,
  type HttpExpect,
  ROUTES,
  UNICODE,
} from './http-routes.ts';

export { type As, HTTP_FIXTURE, type HttpCase, type HttpExpect } from './http-routes.ts';

const WRONG = [null, true, 0, -1, 1.5, '', 'x', [], [1, 'a'], {}, { a: { b: [] } }, 1e308, -0];
const TRAVERSAL = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '..',
  '%00',
  'a%00b',
  '%FF%FE',
  '%25',
  encodeURIComponent('Ünïcode'),
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  '%2F',
  'UPPER',
];
const BAD_JSON = ['{', '{"a":}', "{'a':1}", 'NaN', '[1,', '{"a":1}}', 'undefined', '\u0000', '{"a":1,}', ''];
// Not '2025': all digits is epoch milliseconds by history-params.ts's documented rule, so valid.
const BAD_TIMES = [
  '8640000000000001',
  'abc',
  '2025-13-45',
  '2025-02-30T25:61:00Z',
  '-1',
  '1e999',
  'NaN',
  '99999999999999999999',
  ' ',
];
const BAD_STEPS = [
  '-5',
  '0',
  'NaN',
  '1e999',
  '1ms',
  '-1h',
  '5x',
  '1.5m',
  'Infinity',
  '99999999999999999999d',
];

function withQuery(path: string, query: Record<string, string> | undefined): string {
  if (!query || Object.keys(query).length === 0) return path;
  return `${path}?${new URLSearchParams(query).toString()}`;
}

/** Replaces the last path segment that is an id with a hostile one (already URL-encoded). */
function hostileId(path: string, rng: Rng): string {
  const parts = path.split('/');
  // /api/<collection>/<id>[/<action>]
  parts[3] = rng.pick(TRAVERSAL);
  return parts.join('/');
}

/**
 * Generates `count` requests from `seed`: about a quarter good, the rest bad or mutated.
 *
 * @example const cases = generateHttpCases(42, 1500);
 */
export function generateHttpCases(seed: number, count: number): HttpCase[] {
  const rng = prng(seed);
  let counter = 0;
  const ctx: Ctx = { rng, uniq: () => (counter++).toString(36), sites: [], users: [] };
  const cases: HttpCase[] = [];
  const push = (c: Omit<HttpCase, 'n'>) => cases.push({ n: cases.length, ...c });

  while (cases.length < count) {
    const route = rng.pick(ROUTES);
    const as: As = rng.chance(0.7) ? 'admin' : 'manager';
    const allowed = route.roles.includes(as);
    const body = route.body?.(ctx);
    const query = route.query?.(ctx);
    const path = route.path(ctx);
    const json = body === undefined ? undefined : JSON.stringify(body);
    const cls = route.cls;
    const roll = rng.next();

    if (roll < 0.03) {
      push({
        cls: `${cls} anonymous`,
        as: 'anonymous',
        method: route.method,
        path: withQuery(path, query),
        ...(json === undefined ? {} : { body: json }),
        expect: 'bad',
      });
      continue;
    }
    if (roll < 0.06) {
      // Logins: malformed bodies, wrong passwords (then the login limiter's 429), hostile names.
      const login = rng.pick([
        () =>
          JSON.stringify({
            username: HTTP_FIXTURE.manager.username,
            password: HTTP_FIXTURE.manager.password,
          }),
        () => JSON.stringify({ username: HTTP_FIXTURE.manager.username, password: 'salah' }),
        () => JSON.stringify({ username: rng.pick(UNICODE), password: 'x' }),
        () => JSON.stringify({ username: '__proto__', password: 'x', __proto__: { role: 'admin' } }),
        () => JSON.stringify({ username: 'x'.repeat(100_000), password: 'x' }),
        () => JSON.stringify([{ username: 'admin' }]),
        () => JSON.stringify({ username: 1, password: null }),
        () => rng.pick(BAD_JSON),
      ])();
      push({
        cls: 'POST /api/login',
        as: 'anonymous',
        method: 'POST',
        path: '/api/login',
        body: login,
        expect: login.includes('kata-sandi') ? 'any' : 'bad',
      });
      continue;
    }
    if (roll < 0.3) {
      // A good request: 2xx for an allowed role; a manager elsewhere gets 403 (admin routes) or
      // 404 (a site they may not see), both with a reason.
      const created = allowed && body ? route.created?.(ctx, body) : undefined;
      if (created?.kind === 'site') ctx.sites.push(created.id);
      push({
        cls: `${cls} good`,
        as,
        method: route.method,
        path: withQuery(path, query),
        ...(json === undefined ? {} : { body: json }),
        expect: route.goodIsAny ? 'any' : allowed ? 'ok' : 'bad',
        ...(created ? { created } : {}),
      });
      continue;
    }

    const mutations: Array<() => void> = [];
    const bad = (name: string, c: Partial<HttpCase>, expect: HttpExpect = 'bad') =>
      push({ cls: `${cls} ${name}`, as, method: route.method, path: withQuery(path, query), expect, ...c });

    if (body) {
      const keys = Object.keys(body);
      mutations.push(
        () => {
          const key = rng.pick(keys);
          bad(
            'wrong-type',
            {
              body: JSON.stringify({
                ...body,
                [key]: rng.pick(WRONG.filter((w) => typeof w !== typeof body[key])),
              }),
            },
            'any',
          );
        },
        () => {
          const key = rng.pick(keys);
          const { [key]: _dropped, ...rest } = body;
          bad('missing-field', { body: JSON.stringify(rest) }, 'any');
        },
        () => {
          const key = rng.pick(keys);
          bad(
            'huge-string',
            { body: JSON.stringify({ ...body, [key]: 'x'.repeat(rng.pick([5_000, 60_000])) }) },
            'bad',
          );
        },
        () => {
          const key = rng.pick(keys);
          bad('unicode', { body: JSON.stringify({ ...body, [key]: rng.pick(UNICODE) }) }, 'any');
        },
        () => {
          // Lone surrogates and escapes that JSON allows but UTF-8 cannot carry.
          const key = rng.pick(keys);
          bad(
            'lone-surrogate',
            {
              body: JSON.stringify({ ...body, [key]: 0 }).replace(
                `"${key}":0`,
                `"${key}":"\\ud800\\udc00\\ud800"`,
              ),
            },
            'any',
          );
        },
        () => {
          const extra = rng.pick([
            '"__proto__":{"role":"admin","isAdmin":true}',
            '"constructor":{"prototype":{"polluted":true}}',
            '"__proto__":null',
          ]);
          bad(
            'prototype-pollution',
            { body: (json ?? '{}').replace(/^\{/, `{${extra},`) },
            route.strict ? 'bad' : 'any',
          );
        },
        () => bad('array-root', { body: JSON.stringify([body]) }),
        () => bad('scalar-root', { body: rng.pick(['"text"', '42', 'null', 'true']) }),
        () => bad('invalid-json', { body: rng.pick(BAD_JSON) }),
        () =>
          bad(
            'wrong-content-type',
            { body: json, contentType: rng.pick(['text/plain', 'application/xml', '']) },
            'any',
          ),
        () =>
          bad('form-body', {
            body: new URLSearchParams({ a: '1' }).toString(),
            contentType: 'application/x-www-form-urlencoded',
          }),
        () =>
          bad('huge-body', {
            body: JSON.stringify({ ...body, pad: 'x'.repeat(rng.pick([70_000, 300_000, 2_000_000])) }),
            chunked: rng.chance(0.5),
          }),
        () =>
          bad(
            'numbers',
            {
              body: (json ?? '{}').replace(
                /:(\d+)/,
                `:${rng.pick(['1e999', '-1e999', 'NaN', '-0', '1.5', '-1', '1e400'])}`,
              ),
            },
            'any',
          ),
        () => bad('deep-nesting', { body: `${'['.repeat(5000)}${']'.repeat(5000)}` }),
        () =>
          bad(
            'invalid-utf8',
            {
              body: Buffer.concat([
                Buffer.from((json ?? '{}').slice(0, -1)),
                Buffer.from(',"x":"'),
                Buffer.from([0xff, 0xc0, 0x80]),
                Buffer.from('"}'),
              ]),
            },
            'any',
          ),
      );
    }
    if (route.idParam)
      mutations.push(() =>
        bad('hostile-id', { path: withQuery(hostileId(path, rng), query), body: json }, 'bad'),
      );
    if (query) {
      const keys = Object.keys(query);
      mutations.push(
        () => {
          const key = rng.pick(keys);
          const value =
            key === 'from' || key === 'to'
              ? rng.pick(BAD_TIMES)
              : key === 'step'
                ? rng.pick(BAD_STEPS)
                : key === 'siteId'
                  ? rng.pick(['', 'A', '-x', 'x_y', 'x'.repeat(70), '..%2F', '__proto__'])
                  : rng.pick(['-1', 'NaN', '1e999', 'abc', '0', '99999999', '']);
          push({
            cls: `${cls} bad-query`,
            as,
            method: route.method,
            path: withQuery(path, { ...query, [key]: value }),
            expect: 'bad',
          });
        },
        () => {
          // from after to, a range over 400 days, or a step giving too many buckets.
          const to = Date.UTC(2025, 10, 28);
          const q: Record<string, string> = rng.pick<Record<string, string>>([
            { from: String(to + 1000), to: String(to) },
            { from: String(to - 500 * 86_400_000), to: String(to) },
            { from: String(to - 86_400_000), to: String(to), step: '1' },
            // Past the largest time a JavaScript Date holds (8.64e15 ms).
            { from: '8640000000000000', to: '8640000003600000' },
          ]);
          push({
            cls: `${cls} bad-range`,
            as,
            method: route.method,
            path: withQuery(path, { ...query, ...q }),
            expect: 'any',
          });
        },
        () =>
          push({
            cls: `${cls} repeated-query`,
            as,
            method: route.method,
            path: `${withQuery(path, query)}&${keys[0]}=x&${keys[0]}=y`,
            expect: 'any',
          }),
      );
    }
    if (mutations.length > 0) rng.pick(mutations)();
  }
  return cases;
}
