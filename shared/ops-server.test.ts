import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { counter } from './metrics.ts';
import { createOpsServer, type Health, type OpsServer } from './ops-server.ts';

describe('ops server', () => {
  let ops: OpsServer | undefined;
  afterEach(() => ops?.stop());

  async function start(health: () => Health, token?: string) {
    const registry = new Registry();
    counter(registry, 'jagajarak_test_things_total', 'Things').inc(3);
    ops = createOpsServer({ port: 0, host: '127.0.0.1', token, registry, health });
    return (await ops.start()).url;
  }

  it('serves the registry on /metrics, behind the bearer token when one is set', async () => {
    const url = await start(() => ({ ok: true }), 'rahasia-metrik-123');
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const res = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer rahasia-metrik-123' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain('jagajarak_test_things_total 3');
  });

  it('answers /healthz 200 or 503 with the detail, and nothing else', async () => {
    let health: Health = { ok: true, status: 'degraded', mqtt: true };
    const url = await start(() => health);
    const ok = await fetch(`${url}/healthz`);
    expect([ok.status, await ok.json()]).toEqual([200, { status: 'degraded', mqtt: true }]);
    health = { ok: false, mqtt: false };
    const down = await fetch(`${url}/healthz`);
    expect([down.status, await down.json()]).toEqual([503, { status: 'degraded', mqtt: false }]);
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 500 without internals when a health check throws, and frees its port on stop', async () => {
    const url = await start(() => {
      throw new Error('secret internals');
    });
    const res = await fetch(`${url}/healthz`);
    expect([res.status, await res.json()]).toEqual([500, { error: 'internal error' }]);
    await ops!.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
