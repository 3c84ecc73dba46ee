import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { describe, expect, it } from 'vitest';
import { busOccupancy, OCCUPANCY_STATUS } from './occupancy.ts';

const { OccupancyStatus } = GtfsRealtimeBindings.transit_realtime.VehiclePosition;

describe('busOccupancy', () => {
  it.each([
    // [occupancy, safe capacity, status, percentage]
    [null, 40, 'NO_DATA_AVAILABLE', undefined],
    [0, 0, 'NOT_ACCEPTING_PASSENGERS', undefined],
    [3, 0, 'NOT_ACCEPTING_PASSENGERS', undefined],
    [0, 40, 'EMPTY', 0],
    [1, 50, 'MANY_SEATS_AVAILABLE', 5],
    [1, 200, 'MANY_SEATS_AVAILABLE', 5],
    [9, 40, 'MANY_SEATS_AVAILABLE', 25],
    [19, 40, 'MANY_SEATS_AVAILABLE', 45],
    [20, 40, 'FEW_SEATS_AVAILABLE', 50],
    [31, 40, 'FEW_SEATS_AVAILABLE', 80],
    [39, 40, 'FEW_SEATS_AVAILABLE', 95],
    [49, 50, 'FEW_SEATS_AVAILABLE', 95],
    [40, 40, 'FULL', 100],
    [41, 40, 'FULL', 100],
    [50, 40, 'FULL', 125],
    [66, 40, 'FULL', 165],
  ] as const)('%s people on a cap of %s: %s, percentage %s', (occupancy, cap, status, percentage) => {
    const result = busOccupancy(occupancy, cap);
    expect(result.status).toBe(status);
    expect(result.percentage).toBe(percentage);
    if (percentage !== undefined) expect(percentage % 5).toBe(0);
  });

  it('uses the protobuf numbers of the official OccupancyStatus enum', () => {
    for (const [name, value] of Object.entries(OCCUPANCY_STATUS))
      expect(OccupancyStatus[name as keyof typeof OccupancyStatus]).toBe(value);
  });
});
