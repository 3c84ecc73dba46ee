/**
 * Keeps the benchmark from rotting: the quick mode runs end to end (three service processes, the
 * run's InfluxDB, the load generator, probe and sockets) and its report must hold together.
 * The figures themselves are not asserted against the targets; that is what `npm run bench` is for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseBenchArgs } from './bench-config.ts';
import { runBench } from './bench-runner.ts';
import { formatTable } from './report.ts';

describe('npm run bench -- --quick', () => {
  it('runs every phase against the real system and reports zero loss with latencies and per-service figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jagajarak-bench-test-'));
    try {
      const parsed = parseBenchArgs([
        '--quick',
        '--influx-url',
        inject('influxUrl'),
        '--out',
        join(dir, 'b.json'),
      ]);
      if (parsed.help) throw new Error('unexpected --help');
      const report = await runBench(parsed.config, () => {});
      expect(report.connect.connected).toBe(300);
      // Both memory samples, the steady one taken while every device is still connected.
      expect(report.connect.brokerPlusIngestRssMiB).toBeGreaterThan(0);
      expect(report.connect.brokerPlusIngestSettledRssMiB).toBeGreaterThan(0);
      for (const s of report.services.filter((s) => s.name === 'broker' || s.name === 'ingest'))
        expect(s.rssSettledMiB).toBeGreaterThan(0);
      expect(report.throughput.sent).toBeGreaterThan(0);
      expect(report.throughput.notStored).toBe(0);
      expect(report.throughput.rejected).toBe(0);
      expect(report.latency.dashboardMs.count).toBeGreaterThan(0);
      expect(report.latency.influxMs.count).toBeGreaterThan(0);
      expect(report.latency.socketsReceiving).toBe(12);
      expect(report.services.map((s) => s.name)).toEqual(
        expect.arrayContaining(['broker', 'ingest', 'dashboard', 'generator (workers + bench)']),
      );
      for (const s of report.services.filter((s) => s.name !== 'influxd'))
        expect(s.peakRssMiB).toBeGreaterThan(0);
      expect(formatTable(report)).toContain('publish -> dashboard');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('documents every flag in --help and refuses unknown or invalid ones', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ help: true });
    expect(() => parseBenchArgs(['--devices', '0'])).toThrow(/devices/);
    expect(() => parseBenchArgs(['--sockets', '2', '--operator-sockets', '3'])).toThrow(/operator-sockets/);
    expect(() => parseBenchArgs(['--bogus'])).toThrow();
  });
});
