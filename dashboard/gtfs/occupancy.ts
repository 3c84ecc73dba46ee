/**
 * A bus's crowding as GTFS-Realtime says it (DOMAIN.md "Public transport feeds"; GTFS-Realtime
 * reference, VehiclePosition `occupancy_status` / `occupancy_percentage`; MobilityData's COVID-19
 * guidance: use MANY_SEATS_AVAILABLE, FEW_SEATS_AVAILABLE and FULL, FULL meaning at the
 * social-distancing cap).
 *
 * `occupancy_percentage` is 100 at the maximum current regulations allow, i.e. the bus's safe
 * capacity under the city policy in force (shared/capacity.ts), not its design capacity. It is
 * coarse (steps of 5) so it never gives away an exact head count, and it may exceed 100.
 *
 * | what ingest knows                      | occupancy_status          | occupancy_percentage |
 * |----------------------------------------|---------------------------|----------------------|
 * | no count yet                           | NO_DATA_AVAILABLE         | (absent)             |
 * | policy allows nobody (safe capacity 0) | NOT_ACCEPTING_PASSENGERS  | (absent)             |
 * | 0 people                               | EMPTY                     | 0                    |
 * | load < 0.5                             | MANY_SEATS_AVAILABLE      | nearest 5, 5 to 45   |
 * | 0.5 <= load < 1.0                      | FEW_SEATS_AVAILABLE       | nearest 5, 50 to 95  |
 * | load >= 1.0 (at or over the cap)       | FULL                      | nearest 5, >= 100    |
 *
 * The clamps keep status and percentage telling the same story: a bus at 98% of its cap is
 * FEW_SEATS_AVAILABLE at 95, never "100 but seats free"; 19 on a cap of 40 is MANY at 45, not 50;
 * one passenger on a 50-seat cap is 5, never "0 but not empty".
 */

/** The VehiclePosition.OccupancyStatus values used here, with their protobuf numbers. */
export const OCCUPANCY_STATUS = {
  EMPTY: 0,
  MANY_SEATS_AVAILABLE: 1,
  FEW_SEATS_AVAILABLE: 2,
  FULL: 5,
  NOT_ACCEPTING_PASSENGERS: 6,
  NO_DATA_AVAILABLE: 7,
} as const;
export type OccupancyStatusName = keyof typeof OCCUPANCY_STATUS;

/** Below this share of the cap: MANY_SEATS_AVAILABLE; from it up to the cap: FEW_SEATS_AVAILABLE. */
export const MANY_SEATS_BELOW = 0.5;
export const PERCENT_STEP = 5;

export interface BusOccupancy {
  status: OccupancyStatusName;
  /** Absent when unknown or undefined (no count, or a cap of 0). */
  percentage?: number;
}

/**
 * @example busOccupancy(37, 40) // { status: 'FEW_SEATS_AVAILABLE', percentage: 95 }
 * @example busOccupancy(null, 40) // { status: 'NO_DATA_AVAILABLE' }
 */
export function busOccupancy(occupancy: number | null, safeCapacity: number): BusOccupancy {
  if (occupancy === null || !Number.isFinite(occupancy)) return { status: 'NO_DATA_AVAILABLE' };
  if (safeCapacity <= 0) return { status: 'NOT_ACCEPTING_PASSENGERS' };
  if (occupancy <= 0) return { status: 'EMPTY', percentage: 0 };
  const load = occupancy / safeCapacity;
  const rounded = Math.round((load * 100) / PERCENT_STEP) * PERCENT_STEP;
  if (load >= 1) return { status: 'FULL', percentage: Math.max(100, rounded) };
  if (load < MANY_SEATS_BELOW) {
    const below = MANY_SEATS_BELOW * 100 - PERCENT_STEP;
    return { status: 'MANY_SEATS_AVAILABLE', percentage: Math.min(below, Math.max(PERCENT_STEP, rounded)) };
  }
  return { status: 'FEW_SEATS_AVAILABLE', percentage: Math.min(100 - PERCENT_STEP, rounded) };
}
