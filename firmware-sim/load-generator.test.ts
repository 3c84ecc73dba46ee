/**
 * Load mode end to end against the project's broker (broker/test-kit.ts): bulk provisioning
 * through the registry topics, worker processes with real MQTT connections, pacing and the
 * counters the workers report over IPC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVICE_SECRET, startTestBroker, type TestBroker } from '../broker/test-kit.ts';
import { countsSchema } from '../shared/device-schemas.ts';
import { filters } from '../shared/topics.ts';
import { loadConfigFrom } from './load-config.ts';
import { createLoadGenerator, type LoadGenerator } from './load-generator.ts';

describe('load generator', () => {
  let broker: TestBroker | undefined;
  let load: LoadGenerator | undefined;
  let cacheDir: string | undefined;

  afterEach(async () => {
    await load?.stop();
    await broker?.close();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    load = broker = cacheDir = undefined;
  });

  it('provisions devices in bulk, connects them from two worker processes and publishes at the asked rate', async () => {
    broker = await startTestBroker();
    cacheDir = mkdtempSync(join(tmpdir(), 'jagajarak-load-cache-'));
    const watcher = await broker.service('watcher');
    const seen: Array<{ device: string; seq: number; ts: number }> = [];
    watcher.on('message', (topic, payload) => {
      if (!topic.endsWith('/counts')) return;
      const p = countsSchema.parse(JSON.parse(payload.toString()));
      seen.push({ device: topic.split('/')[3]!, seq: p.seq, ts: p.ts });
    });
    await watcher.subscribeAsync(filters.allDeviceStreams, { qos: 1 });

    load = createLoadGenerator(
      loadConfigFrom({
        devices: 20,
        sites: 4,
        workers: 2,
        mqtt: broker.url,
        serviceSecret: SERVICE_SECRET,
        prefix: 'lt',
        cacheDir,
      }),
    );
    await load.start();
    expect(broker.broker.registry.devices.size).toBe(20);
    expect(broker.broker.registry.sites.size).toBe(4);
    const connected = await load.waitFor((t) => t.devices === 20 && t.connected === 20, 20_000);
    expect(connected.workers).toBe(2);

    load.setRate(400);
    await load.waitFor((t) => t.acked >= 200, 20_000);
    load.setRate(0);
    // Workers report every 250 ms: a report from before the rate change may show pending 0.
    await new Promise((r) => setTimeout(r, 600));
    await load.waitFor((t) => t.pending === 0, 20_000);
    await new Promise((r) => setTimeout(r, 600));
    const totals = load.totals();
    expect(totals.errors).toBe(0);
    expect(seen.length).toBe(totals.acked);
    // Round-robin over the fleet: every device reported, each with seq 0, 1, 2, ... and rising ts.
    const byDevice = new Map<string, typeof seen>();
    for (const m of seen) byDevice.set(m.device, [...(byDevice.get(m.device) ?? []), m]);
    expect(byDevice.size).toBe(20);
    for (const [, messages] of byDevice) {
      expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i));
      for (let i = 1; i < messages.length; i++) expect(messages[i]!.ts).toBeGreaterThan(messages[i - 1]!.ts);
    }
  }, 60_000);
});
