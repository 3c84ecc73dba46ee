/**
 * Operator-API fuzz (issue #6 item 4): every route with a body, path parameters or a query gets
 * generated and mutated requests (http-cases.ts) as an admin, as a venue manager and without a
 * session, good ones interleaved. Asserts: never a 5xx; every 4xx is `{"error": "<reason>"}`; the
 * good ones succeed; the process stays up; registry.json and users.json still load; every good
 * write made during the run is still there. Replay with FUZZ_SEED=<seed>; FUZZ_HTTP_COUNT changes
 * the number of requests; FUZZ_DEBUG=1 prints the problems tallied by route and mutation.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { readRegistryFile } from '../../dashboard/registry-file.ts';
import { createUserStore } from '../../dashboard/users.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { fuzzSeed, pool, tally } from './fuzz-kit.ts';
import { type As, generateHttpCases, HTTP_FIXTURE, type HttpCase } from './http-cases.ts';

const SEED = fuzzSeed();
const COUNT = Number(process.env.FUZZ_HTTP_COUNT ?? 1500);

let sys: TestSystem;
const tokens: Partial<Record<As, string>> = {};

beforeAll(async () => {
  sys = await startTestSystem();
  await sys.createSite({ id: HTTP_FIXTURE.managerSite, kind: 'market', designCapacity: 300 });
  await sys.createSite({ id: HTTP_FIXTURE.otherSite, kind: 'attraction', designCapacity: 900 });
  await sys.createDevice({ id: 'hf-fixture-door', siteId: HTTP_FIXTURE.otherSite, type: 'door-counter' });
  const res = await sys.api('POST', '/api/users', {
    ...HTTP_FIXTURE.manager,
    role: 'manager',
    sites: [HTTP_FIXTURE.managerSite],
  });
  expect(res.status).toBe(201);
  tokens.admin = await sys.login();
  tokens.manager = await sys.login(HTTP_FIXTURE.manager.username, HTTP_FIXTURE.manager.password);
}, 60_000);

afterAll(async () => {
  await sys?.stop();
});

interface Outcome {
  c: HttpCase;
  status: number;
  text: string;
}

/**
 * One request over node:http rather than fetch: past the body limit the server answers 413 and
 * closes while the upload is still going, and fetch then reports only "other side closed".
 */
function send(c: HttpCase): Promise<Outcome> {
  const headers: Record<string, string> = {};
  const token = tokens[c.as];
  if (token) headers.authorization = `Bearer ${token}`;
  const bytes = c.body === undefined ? undefined : typeof c.body === 'string' ? Buffer.from(c.body) : c.body;
  if (bytes) {
    if (c.contentType !== '') headers['content-type'] = c.contentType ?? 'application/json';
    if (c.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(bytes.length);
  }
  return new Promise((resolve, reject) => {
    // A fresh connection each: a keep-alive socket the server closed after a 413 would fail the next request.
    const req = request(`${sys.url}${c.path}`, { method: c.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ c, status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    // An upload cut short by the server's answer (413) ends in EPIPE/ECONNRESET: the answer counts.
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    req.on('error', (err) => {
      if (!answered) reject(new Error(`request ${c.n} (${c.cls}) failed: ${err.message}`));
    });
    if (bytes) for (let i = 0; i < bytes.length; i += 16_384) req.write(bytes.subarray(i, i + 16_384));
    req.end();
  });
}

/** What is wrong with a response, or undefined. */
function problem({ c, status, text }: Outcome): string | undefined {
  if (status >= 500) return `status ${status}`;
  if (c.expect === 'ok' && (status < 200 || status > 299)) return `expected 2xx, got ${status}`;
  if (c.expect === 'bad' && (status < 400 || status > 499)) return `expected 4xx, got ${status}`;
  if (status >= 400) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return `${status} without a JSON body`;
    }
    const error = (json as { error?: unknown }).error;
    if (typeof error !== 'string' || error.trim() === '') return `${status} without an error reason`;
  }
  return undefined;
}

describe(`HTTP API fuzz, seed ${SEED} (replay with FUZZ_SEED=${SEED})`, () => {
  it(`answers ${COUNT} generated requests without a 5xx, refusing bad ones with a reason`, async () => {
    onTestFailed(() => {
      console.error(`HTTP fuzz failed with FUZZ_SEED=${SEED} FUZZ_HTTP_COUNT=${COUNT}`);
    });
    const cases = generateHttpCases(SEED, COUNT);
    expect(
      Object.keys(tally(cases, (c) => c.cls.split(' ').slice(0, 2).join(' '))).length,
    ).toBeGreaterThanOrEqual(20);
    const outcomes: Outcome[] = [];
    await pool(cases, 8, async (c) => {
      outcomes.push(await send(c));
    });
    const problems = outcomes.flatMap((o) => {
      const p = problem(o);
      return p
        ? [
            {
              n: o.c.n,
              cls: o.c.cls,
              as: o.c.as,
              path: o.c.path.slice(0, 120),
              problem: p,
              body: o.text.slice(0, 200),
            },
          ]
        : [];
    });
    if (process.env.FUZZ_DEBUG)
      console.info(
        JSON.stringify(
          tally(problems, (p) => `${p.cls} | ${p.problem} | ${p.body.slice(0, 80)}`),
          null,
          1,
        ),
      );
    expect(problems.slice(0, 15)).toEqual([]);
    // The run exercised both answers: good requests succeeded and bad ones were refused.
    expect(outcomes.filter((o) => o.c.expect === 'ok').length).toBeGreaterThan(COUNT * 0.1);
    expect(outcomes.filter((o) => o.c.expect === 'bad').length).toBeGreaterThan(COUNT * 0.3);

    // Still up.
    expect((await fetch(`${sys.url}/healthz`)).status).toBe(200);
    // No prototype pollution reached this process (the system runs in it).
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).role).toBeUndefined();

    // Every good write is still there, through the API and in the files reloaded from disk.
    const created = outcomes.flatMap((o) => (o.c.created && o.status < 300 ? [o.c.created] : []));
    expect(created.length).toBeGreaterThan(10);
    const registry = await readRegistryFile(join(sys.dataDir, 'registry.json'));
    const users = createUserStore({ dataDir: sys.dataDir });
    await users.load();
    for (const { kind, id } of created) {
      if (kind === 'site') {
        expect((await sys.api('GET', `/api/sites/${id}`)).status).toBe(200);
        expect(registry?.sites.some((s) => s.id === id)).toBe(true);
      } else if (kind === 'device') {
        expect(registry?.devices.some((d) => d.id === id)).toBe(true);
      } else if (kind === 'user') {
        expect((await sys.api('GET', `/api/users/${id}`)).status).toBe(200);
        expect(users.get(id)?.role).toBe('manager');
      }
    }
    // Roles are what the good requests made them: no fuzzed body promoted anyone.
    expect(
      users
        .list()
        .filter((u) => u.role === 'admin')
        .map((u) => u.username),
    ).toEqual([sys.admin.username]);
    expect(users.get(HTTP_FIXTURE.manager.username)?.sites).toEqual([HTTP_FIXTURE.managerSite]);
    // The fixture survives: the manager still logs in, the admin's session still works.
    expect((await sys.api('GET', `/api/sites/${HTTP_FIXTURE.otherSite}`)).status).toBe(200);
  }, 240_000);
});
