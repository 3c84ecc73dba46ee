/**
 * Derived site state: what ingest publishes (retained) on `crowd/v1/sites/{siteId}/state`, and
 * the view the dashboard serves over HTTP and socket.io.
 */
import { z } from 'zod';
import { LEVELS, latLonSchema, siteKindSchema } from './registry-schemas.ts';

export const levelSchema = z.enum(LEVELS);

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
});
export type SiteState = z.infer<typeof siteStateSchema>;

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
