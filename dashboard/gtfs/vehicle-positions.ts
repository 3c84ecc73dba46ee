/**
 * The GTFS-Realtime VehiclePositions feed (GTFS-Realtime reference v2.0): one FeedEntity per bus
 * with a recent position, carrying the trip it serves (ids of the static feed, static-feed.ts),
 * its position, bearing and speed, and its crowding as occupancy_status / occupancy_percentage
 * (occupancy.ts). Encoded with MobilityData's gtfs-realtime-bindings, which are generated from the
 * official gtfs-realtime.proto.
 */
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { findCorridor } from '../../shared/corridors.ts';
import type { SiteView } from '../../shared/site-state.ts';
import { busOccupancy } from './occupancy.ts';
import { matchTrip } from './trip-match.ts';

const { transit_realtime: rt } = GtfsRealtimeBindings;
export type FeedMessage = GtfsRealtimeBindings.transit_realtime.FeedMessage;

export interface VehicleFeedOptions {
  nowMs: number;
  /** A bus whose devices have not been heard from for this long is left out (it is not running). */
  staleMs: number;
}

const heardAt = (view: SiteView): number | null => {
  const times = [view.lastSeenAt, view.updatedAt].filter((t): t is string => t !== null).map(Date.parse);
  const latest = times.length ? Math.max(...times) : Number.NaN;
  return Number.isFinite(latest) ? latest : (view.position?.ts ?? null);
};

/**
 * @example const message = vehiclePositionsFeed(live.views(), { nowMs: Date.now(), staleMs: 600_000 });
 *          rt.FeedMessage.encode(message).finish(); // the protobuf body
 */
export function vehiclePositionsFeed(views: SiteView[], options: VehicleFeedOptions): FeedMessage {
  const entities = views
    .filter((v) => v.kind === 'bus' && v.position !== null)
    .filter((v) => {
      const heard = heardAt(v);
      return heard !== null && options.nowMs - heard <= options.staleMs;
    })
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((v) => {
      const position = v.position!;
      const corridor = v.route ? findCorridor(v.route) : undefined;
      const trip = corridor ? matchTrip(corridor, position, position.ts) : undefined;
      const occupancy = busOccupancy(v.occupancy, v.safeCapacity);
      return rt.FeedEntity.create({
        id: v.id,
        vehicle: rt.VehiclePosition.create({
          ...(trip
            ? {
                trip: rt.TripDescriptor.create({
                  tripId: trip.tripId,
                  routeId: trip.routeId,
                  directionId: trip.directionId,
                  startTime: trip.startTime,
                  startDate: trip.startDate,
                }),
              }
            : {}),
          vehicle: rt.VehicleDescriptor.create({ id: v.id, label: v.name }),
          position: rt.Position.create({
            latitude: position.lat,
            longitude: position.lon,
            ...(position.heading !== undefined ? { bearing: position.heading } : {}),
            ...(position.speedKmh !== undefined ? { speed: position.speedKmh / 3.6 } : {}),
          }),
          timestamp: Math.floor(position.ts / 1000),
          occupancyStatus: rt.VehiclePosition.OccupancyStatus[occupancy.status],
          ...(occupancy.percentage !== undefined ? { occupancyPercentage: occupancy.percentage } : {}),
        }),
      });
    });
  return rt.FeedMessage.create({
    header: rt.FeedHeader.create({
      gtfsRealtimeVersion: '2.0',
      incrementality: rt.FeedHeader.Incrementality.FULL_DATASET,
      timestamp: Math.floor(options.nowMs / 1000),
    }),
    entity: entities,
  });
}

/** The protobuf body. */
export function encodeFeed(message: FeedMessage): Uint8Array {
  return rt.FeedMessage.encode(message).finish();
}

/** The same feed for humans: proto field names in camelCase, enums as their names, 64-bit times as numbers. */
export function feedAsJson(message: FeedMessage): Record<string, unknown> {
  return rt.FeedMessage.toObject(message, { enums: String, longs: Number });
}
