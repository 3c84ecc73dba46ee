/**
 * Safe capacity (DOMAIN.md "Safe capacity"):
 *
 *   areaCap   = floor(usableAreaM2 / m2PerPerson)   m2PerPerson = d * d (square grid)
 *   policyCap = floor(designCapacity * policyPct)
 *   safeCap   = min(areaCap, policyCap)             the stricter wins; never round up
 *
 * area / (pi * d^2) under-counts by 3-4x and is deliberately not used.
 */
import type { PolicyPreset } from './policy.ts';
import type { Level, SiteInput } from './registry-schemas.ts';

export interface CapacityInput {
  designCapacity: number;
  /** 0..1 */
  policyPct: number;
  areaM2?: number | undefined;
  distanceM?: number | undefined;
}

export interface Capacity {
  safeCapacity: number;
  policyCap: number;
  /** undefined when the site has no usable area on record (e.g. buses). */
  areaCap: number | undefined;
  /** Which rule is binding. */
  binding: 'policy' | 'area';
}

/** Floating point guard: 90 * 0.7 is 62.99999999999999 in IEEE 754, which must floor to 63. */
function safeFloor(x: number): number {
  return Math.floor(x + 1e-9);
}

/**
 * @example safeCapacity({ designCapacity: 10, policyPct: 0.5 }).safeCapacity // 5
 * @example safeCapacity({ designCapacity: 100, policyPct: 1, areaM2: 90, distanceM: 1.5 }).safeCapacity // 40
 */
export function safeCapacity(input: CapacityInput): Capacity {
  const { designCapacity, policyPct, areaM2, distanceM = 1 } = input;
  if (!Number.isFinite(designCapacity) || designCapacity < 0) {
    throw new RangeError(`designCapacity must be a finite number >= 0, got ${designCapacity}`);
  }
  if (!Number.isFinite(policyPct) || policyPct < 0 || policyPct > 1) {
    throw new RangeError(`policyPct must be between 0 and 1, got ${policyPct}`);
  }
  if (areaM2 !== undefined && (!Number.isFinite(areaM2) || areaM2 < 0)) {
    throw new RangeError(`areaM2 must be a finite number >= 0, got ${areaM2}`);
  }
  if (!Number.isFinite(distanceM) || distanceM <= 0) {
    throw new RangeError(`distanceM must be a finite number > 0, got ${distanceM}`);
  }
  const policyCap = safeFloor(designCapacity * policyPct);
  const areaCap = areaM2 === undefined ? undefined : safeFloor(areaM2 / (distanceM * distanceM));
  if (areaCap !== undefined && areaCap < policyCap)
    return { safeCapacity: areaCap, policyCap, areaCap, binding: 'area' };
  return { safeCapacity: policyCap, policyCap, areaCap, binding: 'policy' };
}

/** The site's own policy share wins over the city preset for its kind. */
export function siteCapacity(site: SiteInput, policy: PolicyPreset): Capacity {
  return safeCapacity({
    designCapacity: site.designCapacity,
    policyPct: site.policyPct ?? policy.pct[site.kind],
    areaM2: site.areaM2,
    distanceM: site.distanceM ?? policy.distanceM,
  });
}

/** occupancy / safeCapacity; a closed site (safe capacity 0) is infinitely loaded once anyone is in. */
export function loadOf(occupancy: number, safeCap: number): number {
  if (safeCap > 0) return occupancy / safeCap;
  return occupancy > 0 ? Number.POSITIVE_INFINITY : 0;
}

/** Thresholds of the level state machine (DOMAIN.md "Alarms"), as shares of safe capacity. */
export interface LevelThresholds {
  warnEnter: number;
  warnExit: number;
  /** How long load must stay >= warnEnter before ok -> warning. */
  warnPendingMs: number;
  critEnter: number;
  critExit: number;
  critPendingMs: number;
}

export const DEFAULT_THRESHOLDS: LevelThresholds = {
  warnEnter: 0.8,
  warnExit: 0.7,
  warnPendingMs: 30_000,
  critEnter: 1.0,
  critExit: 0.9,
  critPendingMs: 0,
};

/** Severity order for sorting: worst first. */
export const LEVEL_RANK: Record<Level, number> = { critical: 3, warning: 2, unknown: 1, ok: 0 };
