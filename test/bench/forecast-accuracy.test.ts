import { describe, expect, it } from 'vitest';
import { measureForecastAccuracy } from './forecast-accuracy.ts';

describe('forecast accuracy on held-out simulated Batam days', () => {
  it('beats persistence at 60 minutes overall and at every venue kind, with a profile for every site', async () => {
    const r = await measureForecastAccuracy({ trainDays: 14, testDays: 2, seed: 7 });
    expect(r.profiledSites).toBe(r.sites);
    const at60 = r.overall.find((h) => h.horizonMin === 60)!;
    expect(at60.n).toBe(r.sites * 2 * 96);
    expect(at60.maePersons).toBeLessThan(at60.baselineMaePersons);
    for (const kind of ['market', 'attraction', 'mall', 'public-service'])
      expect(r.byKind[kind]![2]!.maePctOfSafe, kind).toBeLessThan(r.byKind[kind]![2]!.baselineMaePctOfSafe);
  }, 60_000);

  it('replays exactly from its seed', async () => {
    const a = await measureForecastAccuracy({ trainDays: 3, testDays: 1, seed: 11 });
    const b = await measureForecastAccuracy({ trainDays: 3, testDays: 1, seed: 11 });
    expect({ ...a, elapsedMs: 0 }).toEqual({ ...b, elapsedMs: 0 });
  });
});
