/**
 * The coarse crowd level the public may see (DOMAIN.md "Who uses it": only coarse levels may be
 * public, never raw counts). One place for the thresholds, as shares of the venue's safe capacity
 * under the city policy in force (the same load the operators' levels use):
 *
 * | level            | load (occupancy / safe capacity)            |
 * |------------------|---------------------------------------------|
 * | `sepi`           | < 0.5  (quiet)                              |
 * | `ramai`          | < 0.8  (busy; 0.8 is where operators' WASPADA starts) |
 * | `padat`          | < 1.0  (crowded)                            |
 * | `penuh`          | >= 1.0 (full: at or over the safe capacity) |
 * | `tutup`          | the policy allows nobody in (safe capacity 0), e.g. malls under PPKM level 4 |
 * | `tidak-ada-data` | no reading yet, or none for longer than the staleness limit |
 */
import type { SiteView } from '../../shared/site-state.ts';

export const CROWD_LEVELS = ['sepi', 'ramai', 'padat', 'penuh', 'tutup', 'tidak-ada-data'] as const;
export type CrowdLevel = (typeof CROWD_LEVELS)[number];

/** Lower bounds of each level as a share of safe capacity. */
export const CROWD_THRESHOLDS = { ramai: 0.5, padat: 0.8, penuh: 1.0 } as const;

/** Worse is higher; used to find less crowded alternatives. `tutup` and no data are never "less crowded". */
export const CROWD_RANK: Record<CrowdLevel, number> = {
  sepi: 0,
  ramai: 1,
  padat: 2,
  penuh: 3,
  tutup: 4,
  'tidak-ada-data': 5,
};

/** Levels that make the guide suggest alternatives. */
export const BUSY_LEVELS: readonly CrowdLevel[] = ['padat', 'penuh'];

/**
 * @example crowdLevelOfLoad(0.79) // 'ramai'
 * @example crowdLevelOfLoad(null) // 'tidak-ada-data'
 */
export function crowdLevelOfLoad(load: number | null): CrowdLevel {
  if (load === null || Number.isNaN(load)) return 'tidak-ada-data';
  if (load >= CROWD_THRESHOLDS.penuh) return 'penuh';
  if (load >= CROWD_THRESHOLDS.padat) return 'padat';
  if (load >= CROWD_THRESHOLDS.ramai) return 'ramai';
  return 'sepi';
}

/**
 * A venue's public level from its view: `tutup` whenever the policy allows nobody in. A state nobody has refreshed for `staleMs` (server time of
 * the last message from any of its devices) is "no data": telling the public a venue is quiet on
 * an hour-old reading would send them into a crowd.
 *
 * @example crowdLevelOf(view, Date.now(), 15 * 60_000) // 'padat'
 */
export function crowdLevelOf(view: SiteView, nowMs: number, staleMs: number): CrowdLevel {
  // Closed by the policy is known without a reading; people still inside do not make it "full"
  // (which the public reads as open but busy): nobody may go in.
  if (view.safeCapacity === 0) return 'tutup';
  if (view.occupancy === null) return 'tidak-ada-data';
  const seen = lastHeardMs(view);
  if (seen === null || nowMs - seen > staleMs) return 'tidak-ada-data';
  return crowdLevelOfLoad(view.load);
}

/** The later of the last reading and the last message heard, epoch ms, or null. */
export function lastHeardMs(view: Pick<SiteView, 'updatedAt' | 'lastSeenAt'>): number | null {
  const times = [view.updatedAt, view.lastSeenAt]
    .filter((t): t is string => t !== null)
    .map((t) => Date.parse(t))
    .filter((t) => Number.isFinite(t));
  return times.length ? Math.max(...times) : null;
}
