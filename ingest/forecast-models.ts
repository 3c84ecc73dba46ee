/**
 * Each site's forecast model (shared/forecast.ts), refitted from the history store periodically
 * (default every 15 minutes, and at start), never per message: one InfluxQL query per site over
 * FORECAST_FIT_DAYS days in 15-minute buckets. Refits run one at a time so a city of a thousand
 * sites spreads its queries over the refit interval instead of sending a thousand at once.
 *
 * Alongside the model it keeps the site's recent occupancy (one sample per evaluation, i.e. per
 * minute, from the live state), which the forecast's current value and trend come from; the
 * first fit of a site seeds it from the store's last minutes so a restarted ingest has a trend
 * at once.
 */
import {
  FORECAST_FIT_DAYS,
  FORECAST_SLOT_MS,
  type ForecastModel,
  fitForecastModel,
  type OccupancySample,
} from '../shared/forecast.ts';
import { type Logger, rateLimitedLog } from '../shared/log.ts';
import type { HistoryBucket } from '../shared/site-state.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';

export interface ForecastModelsOptions {
  /** Default 15 min. */
  refitEveryMs?: number;
  /** Default FORECAST_FIT_DAYS (28). */
  fitDays?: number;
  /** Recent samples kept per site; default 20 min (the trend window is 15). */
  recentMs?: number;
}

interface Entry {
  model: ForecastModel | undefined;
  fittedAt: number;
  recent: OccupancySample[];
  seeded: boolean;
}

const samplesOf = (buckets: HistoryBucket[]): OccupancySample[] =>
  buckets.flatMap((b) =>
    b.occupancyMean === null ? [] : [{ t: Date.parse(b.t), occupancy: b.occupancyMean }],
  );

/**
 * @example
 * const models = new ForecastModels(store, log);
 * models.refitDue(['pasar-tos-3000'], now); // queued, runs in the background
 * await models.idle();
 * forecastOccupancy(models.model('pasar-tos-3000'), models.recent('pasar-tos-3000'), now);
 */
export class ForecastModels {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Array<{ siteId: string; now: number }> = [];
  private readonly queued = new Set<string>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly limitLog = rateLimitedLog(60_000, 3);
  private readonly refitEveryMs: number;
  private readonly fitDays: number;
  private readonly recentMs: number;

  constructor(
    private readonly store: HistoryStore,
    private readonly log: Logger,
    options: ForecastModelsOptions = {},
  ) {
    this.refitEveryMs = options.refitEveryMs ?? 15 * 60_000;
    this.fitDays = options.fitDays ?? FORECAST_FIT_DAYS;
    this.recentMs = options.recentMs ?? 20 * 60_000;
  }

  model(siteId: string): ForecastModel | undefined {
    return this.entries.get(siteId)?.model;
  }

  /** Recent samples, oldest first. */
  recent(siteId: string): OccupancySample[] {
    return this.entries.get(siteId)?.recent ?? [];
  }

  /** Records the site's live occupancy at `t` (once per evaluation). */
  observe(siteId: string, t: number, occupancy: number): void {
    const entry = this.entry(siteId);
    const last = entry.recent[entry.recent.length - 1];
    if (last && last.t >= t) {
      if (last.t === t) last.occupancy = occupancy;
    } else entry.recent.push({ t, occupancy });
    this.trim(entry, t);
  }

  /** Queues a refit of every site whose model is older than the refit interval (or missing). */
  refitDue(siteIds: Iterable<string>, now: number): void {
    if (this.stopped) return;
    for (const siteId of siteIds) {
      const entry = this.entries.get(siteId);
      if (this.queued.has(siteId) || (entry && now - entry.fittedAt < this.refitEveryMs)) continue;
      this.queued.add(siteId);
      this.queue.push({ siteId, now });
    }
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once no refit is queued or running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  forget(siteId: string): void {
    this.entries.delete(siteId);
  }

  /** Drops what is queued; a query in flight finishes and is discarded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    this.queued.clear();
    await this.running;
  }

  private entry(siteId: string): Entry {
    let entry = this.entries.get(siteId);
    if (!entry) {
      entry = { model: undefined, fittedAt: Number.NEGATIVE_INFINITY, recent: [], seeded: false };
      this.entries.set(siteId, entry);
    }
    return entry;
  }

  private trim(entry: Entry, now: number): void {
    let drop = 0;
    while (drop < entry.recent.length && entry.recent[drop]!.t < now - this.recentMs) drop++;
    if (drop) entry.recent.splice(0, drop);
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job && !this.stopped; job = this.queue.shift()) {
      this.queued.delete(job.siteId);
      await this.fit(job.siteId, job.now);
    }
  }

  private async fit(siteId: string, now: number): Promise<void> {
    try {
      const history = await this.store.siteHistory({
        siteId,
        fromMs: now - this.fitDays * 86_400_000,
        toMs: now,
        stepMs: FORECAST_SLOT_MS,
      });
      const seed = this.entries.get(siteId)?.seeded
        ? undefined
        : await this.store.siteHistory({ siteId, fromMs: now - this.recentMs, toMs: now, stepMs: 60_000 });
      if (this.stopped) return;
      const entry = this.entry(siteId);
      entry.model = fitForecastModel(samplesOf(history));
      entry.fittedAt = now;
      if (seed) {
        // Live samples taken since win over stored ones of the same minutes.
        const live = entry.recent;
        const firstLive = live[0]?.t ?? Number.POSITIVE_INFINITY;
        entry.recent = [...samplesOf(seed).filter((s) => s.t < firstLive), ...live];
        entry.seeded = true;
        this.trim(entry, now);
      }
    } catch (err) {
      // The store is down: keep the old model (or none: trend only) and try again next interval.
      const entry = this.entry(siteId);
      entry.fittedAt = now;
      this.limitLog('forecast-fit', (suppressed) =>
        this.log.warn({ err, siteId, suppressed }, 'forecast model refit failed; keeping the previous one'),
      );
    }
  }
}
