/**
 * Device protocol v1 payloads (contract, DESIGN.md). One zod schema per stream; the types are
 * inferred. Unknown fields are stripped (forward compatible); a missing or wrong-typed required
 * field rejects the message.
 */
import { z } from 'zod';
import type { DeviceStream } from './topics.ts';

/** 2000-01-01 .. 2100-01-01 in epoch ms: anything outside is not a device clock, it is garbage. */
const ts = z
  .number()
  .int('must be an integer (epoch milliseconds)')
  .min(946_684_800_000, 'is before the year 2000 (epoch milliseconds expected)')
  .max(4_102_444_800_000, 'is after the year 2100');
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Cumulative door totals; 10^9 people through one door is a fault, not a count. */
const total = z.number().int().min(0).max(1_000_000_000);

export const countsSchema = z.object({ ts, seq, in: total, out: total });
export const occupancySchema = z.object({ ts, seq, count: z.number().int().min(0).max(1_000_000) });
export const temperatureSchema = z.object({
  ts,
  seq,
  kind: z.enum(['body', 'ambient']),
  /** Thermal scanners range roughly -20..60 C ambient and 30..45 C body; allow a wide margin. */
  celsius: z.number().min(-50).max(150),
});
export const positionSchema = z.object({
  ts,
  seq,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  speedKmh: z.number().min(0).max(400).optional(),
  heading: z.number().min(0).max(360).optional(),
});
export const statusSchema = z.object({
  online: z.boolean(),
  fw: z.string().max(64).optional(),
  ts: ts.optional(),
});
export const cmdSchema = z.object({ op: z.enum(['reset-counts', 'reboot', 'ping']) });

export type CountsMsg = z.infer<typeof countsSchema>;
export type OccupancyMsg = z.infer<typeof occupancySchema>;
export type TemperatureMsg = z.infer<typeof temperatureSchema>;
export type PositionMsg = z.infer<typeof positionSchema>;
export type StatusMsg = z.infer<typeof statusSchema>;
export type CmdMsg = z.infer<typeof cmdSchema>;

/** The payload schema of each stream, keyed by stream (the zigbee2mqtt `api.ts` idea). */
export const streamSchemas = {
  counts: countsSchema,
  occupancy: occupancySchema,
  temperature: temperatureSchema,
  position: positionSchema,
  status: statusSchema,
} as const satisfies Record<DeviceStream, z.ZodType>;

export type StreamPayload = { [S in DeviceStream]: z.infer<(typeof streamSchemas)[S]> };

/** A validated device message, discriminated by stream. */
export type DeviceMessage = {
  [S in DeviceStream]: { stream: S; deviceId: string; payload: StreamPayload[S] };
}[DeviceStream];

/** QoS and retain flags per stream (contract table in DESIGN.md). */
export const STREAM_QOS: Record<DeviceStream | 'cmd', { qos: 0 | 1; retain: boolean }> = {
  counts: { qos: 1, retain: false },
  occupancy: { qos: 1, retain: false },
  temperature: { qos: 1, retain: false },
  position: { qos: 1, retain: false },
  status: { qos: 1, retain: true },
  cmd: { qos: 1, retain: false },
};

/** Largest payload the broker accepts from a device; protocol v1 payloads are under 200 bytes. */
export const MAX_DEVICE_PAYLOAD_BYTES = 4096;
