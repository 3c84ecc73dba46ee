/**
 * Sites and devices: what the control plane (dashboard API) owns and replicates to broker and
 * ingest as retained MQTT messages on the registry topics.
 */
import { z } from 'zod';
import { alarmSettingsSchema } from './alarms.ts';
import { DEVICE_ID_PATTERN, type DeviceStream, SITE_ID_PATTERN } from './topics.ts';

export const SITE_KINDS = [
  'bus',
  'market',
  'attraction',
  'mall',
  'hotel',
  'restaurant',
  'public-service',
] as const;
export type SiteKind = (typeof SITE_KINDS)[number];
export const siteKindSchema = z.enum(SITE_KINDS);

export const LEVELS = ['ok', 'warning', 'critical', 'unknown'] as const;
export type Level = (typeof LEVELS)[number];

export const latLonSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
export type LatLon = z.infer<typeof latLonSchema>;

/**
 * A capacity policy share. Accepts a fraction 0..1 or a percentage 5..100 (`0.5` and `50` both
 * mean 50%; `1` means 100%), stored as a fraction. Values between 1 and 5 are refused: `1.5`
 * could be 150% or 1.5%, and no capacity rule allows a few percent.
 */
const POLICY_PCT_RANGE = 'must be a fraction 0..1 or a percentage 5..100 (0.5 and 50 both mean 50%)';
export const policyPctSchema = z
  .number()
  .min(0, POLICY_PCT_RANGE)
  .max(100, POLICY_PCT_RANGE)
  .refine((v) => v <= 1 || v >= 5, POLICY_PCT_RANGE)
  .transform((v) => (v > 1 ? v / 100 : v));

export const siteIdSchema = z
  .string()
  .regex(SITE_ID_PATTERN, 'must be 2-63 characters of a-z, 0-9 and -, starting with a letter or digit');
export const deviceIdSchema = z
  .string()
  .regex(DEVICE_ID_PATTERN, 'must be 2-63 characters of a-z, 0-9 and -, starting with a letter or digit');

/** Body of `POST /api/sites` (contract) and the registry record of a site. */
export const siteInputSchema = z.object({
  id: siteIdSchema,
  name: z.string().trim().min(1).max(120),
  kind: siteKindSchema,
  designCapacity: z.number().int().min(0).max(1_000_000),
  /** Usable floor area in m2 (excludes stalls and counters); omitted for buses. */
  areaM2: z.number().positive().max(10_000_000).optional(),
  /** Site-specific policy share; overrides the city policy for this site. */
  policyPct: policyPctSchema.optional(),
  /** Physical distance in metres for the area rule; default from the policy (1 m). */
  distanceM: z.number().min(0.5).max(5).optional(),
  location: latLonSchema.optional(),
  /** Bus only: the Trans Batam corridor, e.g. `K1`. */
  route: z.string().max(32).optional(),
  /**
   * Listed in the public crowd guide (a coarse level only, never counts). Unset: venues are,
   * buses are not (riders get bus occupancy from the GTFS-Realtime feed instead).
   */
  public: z.boolean().optional(),
  /** This site's own alarm thresholds, over the city-wide and per-kind settings. */
  alarm: alarmSettingsSchema.optional(),
});
export type SiteInput = z.infer<typeof siteInputSchema>;
export type Site = SiteInput & { createdAt: string };
export const siteSchema = siteInputSchema.extend({ createdAt: z.string() });

export const DEVICE_TYPES = {
  'door-counter': ['counts', 'status'],
  'people-counter': ['counts', 'occupancy', 'status'],
  'occupancy-sensor': ['occupancy', 'status'],
  'thermal-scanner': ['temperature', 'status'],
  'gps-tracker': ['position', 'status'],
  /** A vehicle or venue gateway that bundles several sensors. */
  gateway: ['counts', 'occupancy', 'temperature', 'position', 'status'],
} as const satisfies Record<string, readonly DeviceStream[]>;
export type DeviceType = keyof typeof DEVICE_TYPES;
export const deviceTypeSchema = z.enum(Object.keys(DEVICE_TYPES) as [DeviceType, ...DeviceType[]]);

export function deviceMayPublish(type: DeviceType, stream: DeviceStream): boolean {
  return (DEVICE_TYPES[type] as readonly string[]).includes(stream);
}

/** Body of `POST /api/devices` (contract). */
export const deviceInputSchema = z.object({
  id: deviceIdSchema,
  siteId: siteIdSchema,
  type: deviceTypeSchema,
  name: z.string().trim().max(120).optional(),
});
export type DeviceInput = z.infer<typeof deviceInputSchema>;

/** The registry record of a device: the secret only as a salted hash (see secrets.ts). */
export const deviceRecordSchema = deviceInputSchema.extend({
  secretHash: z.string().min(1),
  createdAt: z.string(),
});
export type DeviceRecord = z.infer<typeof deviceRecordSchema>;
