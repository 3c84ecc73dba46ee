/**
 * How a simulated device misbehaves, as field devices on a bad network do: a clock that is off,
 * counters that reboot, messages sent twice, and a share of malformed messages. Everything is
 * configured per device and decided by a random stream derived from (seed, device id)
 * (sampling.ts `entityRng`), so a run replays exactly for a seed whatever other devices do.
 *
 * What each fault exercises on the server side (DESIGN.md "Device protocol v1", DOMAIN.md
 * "Counting people"):
 * - clock skew: device `ts` off from server time (ingest's sensor-fault "clock far off");
 * - reboot: cumulative totals drop to 0 and `seq` restarts (a new baseline, never people leaving);
 * - duplicate: the same payload twice, as a QoS 1 retransmission whose PUBACK was lost (same
 *   series + same time in InfluxDB, so it overwrites itself);
 * - malformed: invalid JSON, wrong types, out-of-range values, oversize payloads (rejected,
 *   counted, dead-lettered; never crash anything).
 */
import { type DeviceMessage, MAX_DEVICE_PAYLOAD_BYTES } from '../shared/device-schemas.ts';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import { entityRng, type Rng } from './sampling.ts';

export const MALFORMED_KINDS = ['invalid-json', 'wrong-type', 'out-of-range', 'oversize'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export interface DeviceBehaviour {
  /** Offset of the device clock from true time, ms (positive: the device runs ahead). */
  clockSkewMs: number;
  /** Chance per data message that it is sent twice. */
  duplicateRate: number;
  /** Chance per data message that a malformed message goes out in its place. */
  malformedRate: number;
  /** Kinds of malformed message, drawn uniformly. */
  malformedKinds: readonly MalformedKind[];
  /** Chance per counts report that the counter reboots just before it (load firmware). */
  rebootRate: number;
  /** Messages held while offline; the oldest is dropped beyond this. */
  bufferSize: number;
  /** Reconnect delays. */
  backoff: Omit<BackoffOptions, 'random'>;
  /** QoS 1 messages in flight (sent, not yet acknowledged) at most; the rest wait in the buffer. */
  inflightWindow: number;
}

/** A well-behaved device on a good network (what the demo fleet uses). */
export const GOOD_DEVICE: Readonly<DeviceBehaviour> = {
  clockSkewMs: 0,
  duplicateRate: 0,
  malformedRate: 0,
  malformedKinds: MALFORMED_KINDS,
  rebootRate: 0,
  bufferSize: 10_000,
  backoff: DEFAULT_BACKOFF,
  inflightWindow: 100,
};

/** Fleet-wide fault settings from which each device's own behaviour is drawn. */
export interface FleetFaults {
  /** Each device's clock skew is drawn uniformly from [-maxClockSkewMs, +maxClockSkewMs]. */
  maxClockSkewMs: number;
  duplicateRate: number;
  malformedRate: number;
  malformedKinds?: readonly MalformedKind[];
  rebootRate: number;
}

export const NO_FAULTS: Readonly<FleetFaults> = {
  maxClockSkewMs: 0,
  duplicateRate: 0,
  malformedRate: 0,
  rebootRate: 0,
};

/**
 * The behaviour of one device of a fleet: the same (seed, device id) always gives the same skew.
 *
 * @example behaviourFor(2020, 'load-00001', { ...NO_FAULTS, maxClockSkewMs: 60_000 }).clockSkewMs // e.g. -12345
 */
export function behaviourFor(
  seed: number,
  deviceId: string,
  faults: FleetFaults,
  base: Partial<DeviceBehaviour> = {},
): DeviceBehaviour {
  const rng = entityRng(seed ^ 0x5eed, deviceId);
  const skew = faults.maxClockSkewMs > 0 ? Math.round((rng() * 2 - 1) * faults.maxClockSkewMs) : 0;
  return {
    ...GOOD_DEVICE,
    ...base,
    clockSkewMs: skew,
    duplicateRate: faults.duplicateRate,
    malformedRate: faults.malformedRate,
    malformedKinds: faults.malformedKinds ?? MALFORMED_KINDS,
    rebootRate: faults.rebootRate,
  };
}

/** One outgoing MQTT message as the device will put it on the wire. */
export interface Outgoing {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  /** A retransmission (the MQTT DUP flag). */
  dup?: boolean;
  /** What it is, for the device's counters. */
  kind: 'data' | 'duplicate' | 'malformed';
}

/**
 * The per-device fault dice. Each method consumes draws only when its rate is non-zero, so
 * turning one fault on does not change when the others happen.
 */
export class FaultPlan {
  private readonly rng: Rng;

  constructor(
    readonly behaviour: DeviceBehaviour,
    seed: number,
    deviceId: string,
  ) {
    this.rng = entityRng(seed ^ 0xfa17, deviceId);
  }

  reboot(): boolean {
    return this.behaviour.rebootRate > 0 && this.rng() < this.behaviour.rebootRate;
  }

  duplicate(): boolean {
    return this.behaviour.duplicateRate > 0 && this.rng() < this.behaviour.duplicateRate;
  }

  malformed(): MalformedKind | undefined {
    const { malformedRate, malformedKinds } = this.behaviour;
    if (!(malformedRate > 0) || malformedKinds.length === 0 || this.rng() >= malformedRate) return undefined;
    return malformedKinds[Math.floor(this.rng() * malformedKinds.length)];
  }
}

/**
 * A malformed version of a data message: what a firmware bug or a corrupted buffer produces.
 * Oversize payloads go at QoS 0: the project's broker refuses them by closing the connection
 * (aedes 1.2 cannot acknowledge and drop, see broker/create-broker.ts), and a refused QoS 1
 * message would be retransmitted after every reconnect, forever.
 *
 * @example malformedPayload('wrong-type', { stream: 'counts', deviceId: 'd', payload: { ts: 1, seq: 0, in: 1, out: 0 } })
 *   // { payload: '{"ts":"1","seq":0,"in":1,"out":0}', qos: 1 }
 */
export function malformedPayload(
  kind: MalformedKind,
  message: DeviceMessage,
): { payload: string; qos: 0 | 1 } {
  const p = message.payload as Record<string, unknown>;
  switch (kind) {
    case 'invalid-json':
      return { payload: JSON.stringify(p).slice(0, -3), qos: 1 };
    case 'wrong-type':
      return { payload: JSON.stringify({ ...p, ts: String(p.ts) }), qos: 1 };
    case 'out-of-range':
      return { payload: JSON.stringify({ ...p, ...outOfRange(message) }), qos: 1 };
    case 'oversize':
      return {
        payload: JSON.stringify({ ...p, pad: 'x'.repeat(MAX_DEVICE_PAYLOAD_BYTES + 1) }),
        qos: 0,
      };
  }
}

function outOfRange(message: DeviceMessage): Record<string, number> {
  switch (message.stream) {
    case 'counts':
      return { in: -1 };
    case 'occupancy':
      return { count: -1 };
    case 'temperature':
      return { celsius: 1000 };
    case 'position':
      return { lat: 200 };
    case 'status':
      return { ts: 0 };
  }
}
