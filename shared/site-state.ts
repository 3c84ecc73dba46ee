/**
 * Derived site state: what ingest publishes (retained) on `crowd/v1/sites/{siteId}/state`, and
 * the view the dashboard serves over HTTP and socket.io.
 */
import { z } from 'zod';
import { LEVELS, latLonSchema, siteKindSchema } from './registry-schemas.ts';

export const levelSchema = z.enum(LEVELS);

/**
 * Most devices one SiteState lists. A site has a handful (doors, a camera, a thermal scanner); a
 * bus terminal may have hundreds. Ingest lists the first ones by id; the dashboard shows the rest
 * from the registry with no presence known.
 */
export const MAX_SITE_STATE_DEVICES = 1000;

/** What ingest knows of one device of a site (issue 4: devices with last-seen and online state). */
export const devicePresenceSchema = z.object({
  id: z.string(),
  /** Epoch ms (server time) of the device's last live message; null if only a retained status was seen. */
  lastSeenAt: z.number().nullable(),
  /** From the device's last `status` message (birth true, last will false); null if none was seen. */
  online: z.boolean().nullable(),
});
export type DevicePresence = z.infer<typeof devicePresenceSchema>;

export const siteStateSchema = z.object({
  siteId: z.string(),
  /** Head count, clamped at 0; null until a counter or occupancy sensor has reported. */
  occupancy: z.number().int().min(0).nullable(),
  safeCapacity: z.number().int().min(0),
  /** occupancy / safeCapacity; null when unknown, or when safe capacity is 0 and the site is occupied (JSON has no Infinity). */
  load: z.number().nullable(),
  level: levelSchema,
  /** Epoch ms of the last reading that changed the state (device time). */
  updatedAt: z.number().nullable(),
  /** Epoch ms when ingest last heard from any device of the site (server time). */
  lastSeenAt: z.number().nullable(),
  /** Since when the site has been at its current level (server time). */
  levelSince: z.number().nullable(),
  bodyTempC: z.number().nullable(),
  ambientTempC: z.number().nullable(),
  position: latLonSchema
    .extend({ speedKmh: z.number().optional(), heading: z.number().optional(), ts: z.number() })
    .nullable(),
  policyId: z.string(),
  /**
   * Devices of the site ingest has heard from (live or a retained status), sorted by id, at most
   * MAX_SITE_STATE_DEVICES. Optional: states published before it existed have none.
   */
  devices: z.array(devicePresenceSchema).max(MAX_SITE_STATE_DEVICES).optional(),
});
export type SiteState = z.infer<typeof siteStateSchema>;

/**
 * The payload of `topics.liveSiteStates()`: `{"states":[SiteState without devices, ...]}`. Each
 * element is validated on its own (one bad state must not cost the others), so the schema here
 * only checks the envelope. Messages stay under LIVE_BATCH_MAX_BYTES (the broker's packet limit
 * is 256 KiB by default); a flush with more changed sites goes out as several messages.
 */
export const siteStateBatchSchema = z.object({ states: z.array(z.unknown()) });
export const LIVE_BATCH_MAX_BYTES = 64 * 1024;

/** `GET /api/sites` element (contract fields first) and the socket.io `sites:update` element. */
export const siteViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: siteKindSchema,
  occupancy: z.number().nullable(),
  safeCapacity: z.number(),
  load: z.number().nullable(),
  level: levelSchema,
  /** ISO 8601 time of the last reading, or null. */
  updatedAt: z.string().nullable(),
  /**
   * ISO 8601 time ingest last heard from any device of the site (server time), or null. A site
   * whose `updatedAt` is old but `lastSeenAt` recent is quiet; both old means nobody is reporting.
   */
  lastSeenAt: z.string().nullable(),
  designCapacity: z.number(),
  location: latLonSchema.nullable(),
  route: z.string().nullable(),
  bodyTempC: z.number().nullable(),
  ambientTempC: z.number().nullable(),
  position: siteStateSchema.shape.position,
});
export type SiteView = z.infer<typeof siteViewSchema>;

/** One time bucket of `GET /api/sites/:id/history`. */
export interface HistoryBucket {
  /** ISO 8601 start of the bucket. */
  t: string;
  /** Highest occupancy seen in the bucket (peaks matter for safety), null if none. */
  occupancy: number | null;
  /** Mean occupancy in the bucket. */
  occupancyMean: number | null;
  safeCapacity: number | null;
}

/** One device in `GET /api/sites/:id` `devices`: the registry record merged with ingest's presence. */
export interface SiteDeviceView {
  id: string;
  siteId: string;
  type: string;
  name?: string;
  createdAt: string;
  /** ISO 8601 time of the device's last live message, or null if never heard since ingest started. */
  lastSeenAt: string | null;
  /** From its last `status` message (birth true, last will false); null if none was seen. */
  online: boolean | null;
}

/**
 * One time bucket of a numeric field over all matching series, e.g. `GET
 * /api/sites/:id/temperature`. Empty buckets are omitted, so `count` is at least 1.
 */
export interface AggregateBucket {
  /** ISO 8601 start of the bucket (aligned to epoch multiples of the step). */
  t: string;
  max: number | null;
  mean: number | null;
  /** Readings in the bucket. */
  count: number;
}
