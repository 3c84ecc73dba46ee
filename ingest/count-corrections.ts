/**
 * Counting corrections (DOMAIN.md "Counting people"; issue part 6): a daily reset at a configured
 * local hour, zeroing a bus at the end of its line, a manual reset, and an operator's correction
 * to the number they counted. The raw device series are never changed (the correction lives in
 * SiteTracker as door baselines and an offset); each correction is written as a `correction`
 * point, logged, and the site state is re-published at once by the caller (`onCorrected`).
 *
 * End-of-line zeroing arrives as a `reset` with reason `end-of-line` on
 * `topics.controlCounts(siteId)`, sent by a dispatch system (any MQTT client with a service
 * identity) or by the dashboard's API.
 */
import { z } from 'zod';
import { type CountCommand, SYSTEM_ACTOR } from '../shared/alarms.ts';
import type { Logger } from '../shared/log.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { safeParse } from '../shared/validation.ts';
import { DailySchedule } from './daily-reset.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { newestPoints } from './newest-points.ts';
import { correctionPoint } from './points.ts';
import type { CorrectionResult, CountBaselines, SiteTracker } from './site-tracker.ts';

export interface CountCorrectionsDeps {
  registry: RegistryReplica;
  tracker: SiteTracker;
  store: HistoryStore;
  log: Logger;
  metrics: IngestMetrics;
  /** The site's count changed: re-evaluate and publish its state now. */
  onCorrected: (siteId: string, correction: Correction) => void;
}

export interface CountCorrectionsConfig {
  /** Local hour (0-23) of the daily reset. */
  resetHour: number;
  /** IANA zone of that hour, e.g. `Asia/Jakarta`. */
  resetTimeZone: string;
}

export interface Correction extends CorrectionResult {
  siteId: string;
  action: 'reset' | 'correct';
  reason: string;
  by: string;
  at: number;
}

export type CorrectionOutcome = { ok: true; correction: Correction } | { ok: false; error: string };

export class CountCorrections {
  private daily: DailySchedule | undefined;

  constructor(
    private readonly config: CountCorrectionsConfig,
    private readonly deps: CountCorrectionsDeps,
  ) {}

  /** Schedules the first daily reset after `now` (never at once: a mid-day start must not zero venues). */
  start(now: number): void {
    this.daily = new DailySchedule(this.config.resetHour, this.config.resetTimeZone, now);
  }

  /**
   * Takes back each site's correction state from its newest `correction` point, so a restart
   * does not undo resets and corrections. Returns how many sites were resumed.
   */
  async restore(store: HistoryStore, now: number, lookbackMs: number): Promise<number> {
    const points = await newestPoints(store, {
      measurement: 'correction',
      groupBy: ['site'],
      fromMs: now - lookbackMs,
      toMs: now + 86_400_000,
      expected: [...this.deps.registry.sites.keys()].map((site) => ({ site })),
    });
    let n = 0;
    for (const p of points) {
      const saved = typeof p.fields.counts === 'string' ? parseBaselines(p.fields.counts) : undefined;
      if (!saved || !p.tags.site) continue;
      this.deps.tracker.resumeCounts(p.tags.site, saved);
      n++;
    }
    return n;
  }

  /** When the next daily reset runs (epoch ms), once started. */
  nextDailyReset(): number | undefined {
    return this.daily?.next;
  }

  /**
   * Applies an operator's or dispatcher's command.
   *
   * @example corrections.command('bus-k1-07', { action: 'reset', reason: 'end-of-line', by: 'dispatch', requestId }, now)
   */
  command(siteId: string, cmd: CountCommand, now: number): CorrectionOutcome {
    if (!this.deps.registry.sites.has(siteId)) return { ok: false, error: `unknown site '${siteId}'` };
    if (cmd.action === 'reset') return { ok: true, correction: this.reset(siteId, cmd.reason, cmd.by, now) };
    const result = this.deps.tracker.correctCount(siteId, cmd.occupancy);
    if (!result) return { ok: false, error: `site '${siteId}' has no live count yet to correct` };
    return { ok: true, correction: this.record(siteId, 'correct', result, cmd.reason, cmd.by, now) };
  }

  /** Runs the daily reset of every site with a live count once the configured hour is reached. */
  tick(now: number): number {
    if (!this.daily?.due(now)) return 0;
    let n = 0;
    for (const siteId of this.deps.registry.sites.keys()) {
      if (!this.deps.tracker.counted(siteId)) continue;
      this.reset(siteId, 'daily', SYSTEM_ACTOR, now);
      n++;
    }
    this.deps.log.info({ sites: n, next: new Date(this.daily.next).toISOString() }, 'daily count reset done');
    return n;
  }

  private reset(siteId: string, reason: string, by: string, now: number): Correction {
    return this.record(siteId, 'reset', this.deps.tracker.resetCounts(siteId), reason, by, now);
  }

  private record(
    siteId: string,
    action: Correction['action'],
    result: CorrectionResult,
    reason: string,
    by: string,
    now: number,
  ): Correction {
    const correction: Correction = { siteId, action, reason, by, at: now, ...result };
    const baselines = JSON.stringify(this.deps.tracker.baselines(siteId));
    this.deps.store.write(correctionPoint(siteId, action, result, reason, by, now, baselines));
    // Free-text reasons of manual corrections would make unbounded label values.
    this.deps.metrics.corrections.inc({ action, reason: action === 'reset' ? reason : 'manual' });
    this.deps.log.info(
      { siteId, action, reason, by, occupancyBefore: result.before, occupancyAfter: result.after },
      `count ${action === 'reset' ? 'reset' : 'corrected'}`,
    );
    this.deps.onCorrected(siteId, correction);
    return correction;
  }
}

const total = z.number().finite();
const baselinesSchema = z.object({
  offset: total,
  doors: z.record(
    z.string(),
    z.object({
      baseIn: total,
      baseOut: total,
      carried: total,
      lastIn: total,
      lastOut: total,
      zeroed: z.boolean().optional(),
    }),
  ),
});

function parseBaselines(json: string): CountBaselines | undefined {
  try {
    const parsed = safeParse(baselinesSchema, JSON.parse(json));
    return parsed.ok ? parsed.value : undefined;
  } catch {
    return undefined;
  }
}
