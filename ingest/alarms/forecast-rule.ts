/**
 * The `capacity-forecast` warning (issue #7 item 3): raised when a site's forecast (shared/
 * forecast.ts) passes its safe capacity within the configured horizon (default 30 minutes)
 * while the site is not over it yet, so a venue manager can act (close a gate, send a bus)
 * before the capacity alarm fires.
 *
 * Decisions where the issue leaves room:
 * - Always severity `warning`: it is a prediction, not a fact.
 * - Raise when a forecast point within the horizon is above `raiseAt` x safe capacity (default
 *   100%); clear when the forecast's peak within the horizon falls below `clearBelow` x safe
 *   capacity (default 90%): hysteresis, so a forecast hovering at the line does not flap.
 * - Once the site is over safe capacity now (occupancy above it, or its level already
 *   critical), the capacity alarm takes over: the forecast warning is cleared, so nobody is
 *   told twice about one crowd. The level machine's own hysteresis (critical until below 90%)
 *   keeps this from flapping; below that, the forecast may warn again.
 * - Sites with safe capacity 0 (closed) are left to the capacity alarm, and sites with no
 *   occupancy yet have nothing to forecast.
 * - Evaluated per site once a minute (not per message); the models are refitted every 15 min.
 */
import type { AlarmSettings } from '../../shared/alarms.ts';
import { firstAbove, forecastOccupancy, peakWithin } from '../../shared/forecast.ts';
import type { RegistryReplica } from '../../shared/registry-replica.ts';
import type { SiteState } from '../../shared/site-state.ts';
import type { ForecastModels } from '../forecast-models.ts';
import type { Condition } from './alarm-engine.ts';

export interface ForecastRuleInput {
  state: SiteState | undefined;
  settings: AlarmSettings['capacityForecast'];
  /** Whether the site's capacity-forecast alarm is open now (raised and not cleared). */
  open: boolean;
  now: number;
}

/**
 * The condition of one site from its model and recent samples. Pure given its inputs.
 *
 * @example
 * forecastCondition(models, { state, settings: s.capacityForecast, open: false, now })
 * // { severity: 'warning', details: { occupancy: 230, safeCapacity: 250, forecastPeak: 262, expectedAt, ... } }
 */
export function forecastCondition(models: ForecastModels, input: ForecastRuleInput): Condition {
  const { state, settings, open, now } = input;
  if (!settings.enabled || !state || state.occupancy === null || state.safeCapacity <= 0) return null;
  if (state.level === 'critical' || state.occupancy > state.safeCapacity) return null;
  const horizonMs = settings.horizonMinutes * 60_000;
  const recent = [...models.recent(state.siteId), { t: now, occupancy: state.occupancy }];
  const forecast = forecastOccupancy(models.model(state.siteId), recent, now, { horizonMs, stepMs: 60_000 });
  const crossing = firstAbove(forecast, state.safeCapacity * settings.raiseAt, horizonMs);
  const peak = peakWithin(forecast, horizonMs);
  const holding = open && peak !== undefined && peak.occupancy >= state.safeCapacity * settings.clearBelow;
  if (!crossing && !holding) return null;
  return {
    severity: 'warning',
    details: {
      occupancy: state.occupancy,
      safeCapacity: state.safeCapacity,
      forecastPeak: Math.round((peak?.occupancy ?? 0) * 10) / 10,
      expectedAt: crossing?.t ?? null,
      horizonMinutes: settings.horizonMinutes,
      basis: forecast.basis,
    },
  };
}

export interface ForecastAlarmsDeps {
  registry: RegistryReplica;
  models: ForecastModels;
  /** The live state of a site (SiteTracker.snapshot). */
  state: (siteId: string) => SiteState | undefined;
  /** Whether the site's capacity-forecast alarm is open. */
  isOpen: (siteId: string) => boolean;
  /** Feeds a condition into the alarm engine (AlarmMonitor.report). */
  report: (siteId: string, condition: Condition, now: number) => void;
  /** Default 60 s. */
  evaluateEveryMs?: number;
}

/**
 * Drives the rule from ingest's tick: every `evaluateEveryMs` it records each site's occupancy,
 * queues due refits and reports each site's condition.
 *
 * @example
 * const forecasts = new ForecastAlarms({ registry, models, state: tracker.snapshot, isOpen, report });
 * setInterval(() => forecasts.tick(clock.now()), 1000);
 */
export class ForecastAlarms {
  private lastEvaluation = Number.NEGATIVE_INFINITY;
  private readonly everyMs: number;

  constructor(private readonly deps: ForecastAlarmsDeps) {
    this.everyMs = deps.evaluateEveryMs ?? 60_000;
  }

  /** Queues the first fit of every site (ingest start). */
  start(now: number): void {
    this.deps.models.refitDue(this.deps.registry.sites.keys(), now);
  }

  tick(now: number): void {
    if (now - this.lastEvaluation < this.everyMs) return;
    this.lastEvaluation = now;
    const { registry, models } = this.deps;
    models.refitDue(registry.sites.keys(), now);
    for (const site of registry.sites.values()) {
      const state = this.deps.state(site.id);
      const condition = forecastCondition(models, {
        state,
        settings: registry.alarmSettingsFor(site).capacityForecast,
        open: this.deps.isOpen(site.id),
        now,
      });
      if (state?.occupancy != null) models.observe(site.id, now, state.occupancy);
      this.deps.report(site.id, condition, now);
    }
  }

  siteRemoved(siteId: string): void {
    this.deps.models.forget(siteId);
  }
}
