/**
 * Accuracy of the occupancy forecast (shared/forecast.ts; issue #7 item 3: "MAE on held-out
 * simulated days"). Simulates the Batam fleet with the firmware-sim models (bus-model.ts,
 * venue-model.ts and their demand profiles) at 1-minute resolution, fits each site's profile on
 * the training days, and on the held-out days forecasts from every 15-minute origin, comparing
 * with what then happened at +15, +30 and +60 minutes. The naive baseline is persistence (the
 * last value stays).
 *
 * The world model alone repeats the same expected day, which would flatter any profile. Real days
 * differ, so each venue day gets a demand factor (0.75-1.25: weather, paydays, holidays) and, with
 * probability 0.25, an unannounced surge (an event, a tour group: 40-90 minutes of extra arrivals
 * worth 20-60% of the usual level), drawn from the seed. Buses vary by their own boarding draws.
 *
 * No MQTT, no store: just the models and the forecast, so it runs in seconds.
 *
 * CLI: `npx tsx test/bench/forecast-accuracy.ts [--train-days 28] [--test-days 7] [--seed 2020]`
 * prints the result as JSON.
 */
import { pathToFileURL } from 'node:url';
import { batamScenario } from '../../firmware-sim/batam-scenario.ts';
import { createBus, stepBus, warmStartBus } from '../../firmware-sim/bus-model.ts';
import { entityRng, type Rng, uniform } from '../../firmware-sim/sampling.ts';
import {
  BUS_DESIGN_CAPACITY,
  corridorOf,
  filterScenario,
  type Scenario,
  scenarioSites,
} from '../../firmware-sim/scenario.ts';
import { localTime } from '../../firmware-sim/sim-time.ts';
import {
  createVenue,
  expectedOccupancy,
  stepVenue,
  type VenueState,
} from '../../firmware-sim/venue-model.ts';
import { siteCapacity } from '../../shared/capacity.ts';
import {
  type ForecastOptions,
  fitForecastModel,
  forecastOccupancy,
  type OccupancySample,
} from '../../shared/forecast.ts';
import { DEFAULT_POLICY_ID, findPreset } from '../../shared/policy.ts';

const MINUTE = 60_000;
export const HORIZONS_MIN = [15, 30, 60] as const;
/** Forecast origins on held-out days: every 15 minutes. */
const ORIGIN_EVERY_MIN = 15;
/** Monday 2 November 2026, 00:00 WIB. */
const START_MS = Date.UTC(2026, 10, 1, 17, 0);

export interface ForecastAccuracyOptions {
  trainDays?: number;
  testDays?: number;
  seed?: number;
  /** Model parameters to try (tuning); default the model's own defaults. */
  forecast?: ForecastOptions;
}

export interface HorizonAccuracy {
  horizonMin: number;
  /** Mean absolute error of the forecast, persons. */
  maePersons: number;
  /** The same as a percentage of each site's safe capacity (default policy). */
  maePctOfSafe: number;
  /** Persistence (the last value stays): persons and % of safe capacity. */
  baselineMaePersons: number;
  baselineMaePctOfSafe: number;
  /** Forecasts compared. */
  n: number;
}

export interface ForecastAccuracy {
  trainDays: number;
  testDays: number;
  seed: number;
  sites: number;
  /** How many sites had a profile (`basis: 'profile+trend'`) at every origin. */
  profiledSites: number;
  overall: HorizonAccuracy[];
  /** Per site kind (bus, market, attraction, mall, public-service, ...). */
  byKind: Record<string, HorizonAccuracy[]>;
  elapsedMs: number;
}

interface SimSite {
  id: string;
  kind: string;
  safeCapacity: number;
  /** Occupancy at the end of each simulated minute. */
  minutes: Float64Array;
}

interface SimVenue {
  spec: Scenario['venues'][number];
  state: VenueState;
  rng: Rng;
  dayRng: Rng;
  /** Today's surge, if any: [start minute of the day, extra arrivals per minute, minutes]. */
  surge: [number, number, number] | undefined;
  minutes: Float64Array;
}

/** The fleet, minute by minute, for `days` days (plus an hour, the last forecasts' truth) from START_MS. */
function simulate(scenario: Scenario, days: number, seed: number): SimSite[] {
  const policy = findPreset(DEFAULT_POLICY_ID)!;
  const safe = new Map(scenarioSites(scenario).map((s) => [s.id, siteCapacity(s, policy).safeCapacity]));
  const total = days * 1440 + 60;
  const t0 = localTime(START_MS);
  const buses = scenario.buses.map((spec, j) => {
    const rng = entityRng(seed, spec.id);
    const corridor = corridorOf(scenario, spec);
    const state = createBus(corridor, BUS_DESIGN_CAPACITY[spec.size], j % corridor.stops.length, 1);
    warmStartBus(state, rng, t0);
    return { id: spec.id, state, rng, minutes: new Float64Array(total) };
  });
  const venues: SimVenue[] = scenario.venues.map((spec) => ({
    spec,
    rng: entityRng(seed, spec.site.id),
    dayRng: entityRng(seed ^ 0x5eed, spec.site.id),
    state: createVenue(spec, Math.round(expectedOccupancy(spec, t0))),
    surge: undefined,
    minutes: new Float64Array(total),
  }));
  for (let m = 0; m < total; m++) {
    const t = localTime(START_MS + m * MINUTE);
    const minuteOfDay = m % 1440;
    for (const v of venues) {
      if (minuteOfDay === 0) newDay(v);
      if (v.surge && v.surge[0] === minuteOfDay) {
        v.state.surgePerMin = v.surge[1];
        v.state.surgeLeftMs = v.surge[2] * MINUTE;
      }
      stepVenue(v.state, MINUTE, v.rng, t);
      v.minutes[m] = v.state.occupancy;
    }
    for (const b of buses) {
      stepBus(b.state, MINUTE, b.rng, t);
      b.minutes[m] = b.state.onboard;
    }
  }
  return [
    ...buses.map((b) => ({ id: b.id, kind: 'bus', safeCapacity: safe.get(b.id)!, minutes: b.minutes })),
    ...venues.map((v) => ({
      id: v.spec.site.id,
      kind: v.spec.site.kind,
      safeCapacity: safe.get(v.spec.site.id)!,
      minutes: v.minutes,
    })),
  ];
}

/**
 * Today's demand factor (the venue model reads demand as design capacity x profile share, so a
 * scaled copy of the spec scales the day) and, sometimes, a surge at a random time of the day.
 */
function newDay(v: SimVenue): void {
  const factor = uniform(v.dayRng, 0.75, 1.25);
  const site = { ...v.spec.site, designCapacity: Math.round(v.spec.site.designCapacity * factor) };
  const { occupancy, surgePerMin, surgeLeftMs } = v.state;
  v.state = { spec: { ...v.spec, site }, occupancy, surgePerMin, surgeLeftMs };
  v.surge = undefined;
  if (v.dayRng() < 0.25) {
    const usualPerMin = (v.spec.site.designCapacity * 0.4) / v.spec.meanStayMin;
    v.surge = [
      Math.floor(uniform(v.dayRng, 6 * 60, 21 * 60)),
      usualPerMin * uniform(v.dayRng, 0.2, 0.6),
      Math.floor(uniform(v.dayRng, 40, 90)),
    ];
  }
}

interface Acc {
  abs: number[];
  pct: number[];
  baseAbs: number[];
  basePct: number[];
  n: number[];
}

const newAcc = (): Acc => ({
  abs: HORIZONS_MIN.map(() => 0),
  pct: HORIZONS_MIN.map(() => 0),
  baseAbs: HORIZONS_MIN.map(() => 0),
  basePct: HORIZONS_MIN.map(() => 0),
  n: HORIZONS_MIN.map(() => 0),
});

const summarize = (a: Acc): HorizonAccuracy[] =>
  HORIZONS_MIN.map((horizonMin, i) => {
    const n = a.n[i]!;
    const r = (x: number) => Math.round((x / Math.max(1, n)) * 100) / 100;
    return {
      horizonMin,
      maePersons: r(a.abs[i]!),
      maePctOfSafe: r(a.pct[i]!),
      baselineMaePersons: r(a.baseAbs[i]!),
      baselineMaePctOfSafe: r(a.basePct[i]!),
      n,
    };
  });

/**
 * Simulates `trainDays + testDays` days, fits on the first `trainDays`, and measures forecast
 * and persistence errors on the rest.
 *
 * @example const { overall } = await measureForecastAccuracy({ trainDays: 14, testDays: 2 });
 */
export async function measureForecastAccuracy(
  options: ForecastAccuracyOptions = {},
): Promise<ForecastAccuracy> {
  const started = performance.now();
  const trainDays = options.trainDays ?? 28;
  const testDays = options.testDays ?? 7;
  const seed = options.seed ?? 2020;
  const scenario = filterScenario(batamScenario, { incidents: false });
  const sites = simulate(scenario, trainDays + testDays, seed);
  const overall = newAcc();
  const byKind = new Map<string, Acc>();
  let profiledSites = 0;
  for (const site of sites) {
    const train: OccupancySample[] = [];
    for (let m = 0; m < trainDays * 1440; m++)
      train.push({ t: START_MS + m * MINUTE, occupancy: site.minutes[m]! });
    const model = fitForecastModel(train);
    const kind = byKind.get(site.kind) ?? newAcc();
    byKind.set(site.kind, kind);
    let profiled = true;
    for (let origin = trainDays * 1440; origin < (trainDays + testDays) * 1440; origin += ORIGIN_EVERY_MIN) {
      const now = START_MS + origin * MINUTE;
      const recent: OccupancySample[] = [];
      for (let m = origin - 15; m <= origin; m++)
        recent.push({ t: START_MS + m * MINUTE, occupancy: site.minutes[m]! });
      const forecast = forecastOccupancy(model, recent, now, { ...options.forecast, stepMs: 15 * MINUTE });
      if (forecast.basis !== 'profile+trend') profiled = false;
      const last = site.minutes[origin]!;
      HORIZONS_MIN.forEach((h, i) => {
        const actual = site.minutes[origin + h]!;
        const predicted = forecast.points.find((p) => p.t === now + h * MINUTE)!.occupancy;
        const cap = Math.max(1, site.safeCapacity);
        for (const acc of [overall, kind]) {
          acc.abs[i]! += Math.abs(predicted - actual);
          acc.pct[i]! += (Math.abs(predicted - actual) / cap) * 100;
          acc.baseAbs[i]! += Math.abs(last - actual);
          acc.basePct[i]! += (Math.abs(last - actual) / cap) * 100;
          acc.n[i]!++;
        }
      });
    }
    if (profiled) profiledSites++;
  }
  return {
    trainDays,
    testDays,
    seed,
    sites: sites.length,
    profiledSites,
    overall: summarize(overall),
    byKind: Object.fromEntries([...byKind].map(([k, a]) => [k, summarize(a)])),
    elapsedMs: Math.round(performance.now() - started),
  };
}

function flag(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} needs a whole number >= 1`);
  return value;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const opts: ForecastAccuracyOptions = {};
  const trainDays = flag(args, '--train-days');
  const testDays = flag(args, '--test-days');
  const seed = flag(args, '--seed');
  if (trainDays !== undefined) opts.trainDays = trainDays;
  if (testDays !== undefined) opts.testDays = testDays;
  if (seed !== undefined) opts.seed = seed;
  console.log(JSON.stringify(await measureForecastAccuracy(opts), null, 2));
}
