/**
 * What a device's firmware keeps between readings: its message sequence, cumulative door totals
 * since boot, and when it last reported each stream. Report cadence follows the device's own
 * (wall) clock, as real firmware does; the world may run faster than that clock, in which case
 * the device simply reports less often per simulated minute.
 */
import type { DeviceMessage } from '../shared/device-schemas.ts';
import type { DeviceType } from '../shared/registry-schemas.ts';

/** Report cadence in device (wall) milliseconds. */
export const REPORTING = {
  /** Counts go out when they change, at most this often ... */
  countsMinMs: 1_000,
  /** ... and at least this often, so the server's deadman (DOMAIN.md, 5 min) stays quiet. */
  countsHeartbeatMs: 30_000,
  positionEveryMs: 5_000,
  /** A scanner reports one entrant per interval; a fever among them always wins the slot. */
  bodyEveryMs: 2_000,
  ambientEveryMs: 60_000,
} as const;

/** Body temperature at or above which a reading is a fever (KMK 382/2020, DOMAIN.md). */
export const FEVER_C = 37.3;

export class SimFirmware {
  seq = 0;
  in = 0;
  out = 0;
  private sentIn = -1;
  private sentOut = -1;
  private countsAt: number | undefined;
  private positionAt: number | undefined;
  private bodyAt: number | undefined;
  private ambientAt: number | undefined;
  /** The reading to report next: the hottest fever since the last report, else the latest entrant. */
  private body: number | undefined;

  constructor(
    readonly id: string,
    readonly siteId: string,
    readonly type: DeviceType,
  ) {}

  /** Totals back to zero, as a real counter after `reset-counts`; reported at the next step. */
  resetCounts(): void {
    this.in = 0;
    this.out = 0;
    this.countsAt = undefined;
  }

  /** A new boot: totals and sequence start again. */
  reboot(): void {
    this.resetCounts();
    this.seq = 0;
    this.positionAt = this.bodyAt = this.ambientAt = undefined;
    this.body = undefined;
  }

  count(inc: number, outc: number): void {
    this.in += inc;
    this.out += outc;
  }

  scanned(celsius: number): void {
    if (this.body !== undefined && this.body >= FEVER_C && celsius < this.body) return;
    this.body = celsius;
  }

  countsDue(wallTs: number): DeviceMessage | undefined {
    const since = this.countsAt === undefined ? Number.POSITIVE_INFINITY : wallTs - this.countsAt;
    const changed = this.in !== this.sentIn || this.out !== this.sentOut;
    if (!(since >= REPORTING.countsHeartbeatMs || (changed && since >= REPORTING.countsMinMs)))
      return undefined;
    this.countsAt = wallTs;
    this.sentIn = this.in;
    this.sentOut = this.out;
    return this.message({
      stream: 'counts',
      payload: { ts: wallTs, seq: this.seq++, in: this.in, out: this.out },
    });
  }

  positionDue(
    wallTs: number,
    fix: { lat: number; lon: number; speedKmh: number; heading: number },
  ): DeviceMessage | undefined {
    if (this.positionAt !== undefined && wallTs - this.positionAt < REPORTING.positionEveryMs)
      return undefined;
    this.positionAt = wallTs;
    return this.message({
      stream: 'position',
      payload: {
        ts: wallTs,
        seq: this.seq++,
        lat: Math.round(fix.lat * 1e6) / 1e6,
        lon: Math.round(fix.lon * 1e6) / 1e6,
        speedKmh: fix.speedKmh,
        heading: fix.heading,
      },
    });
  }

  bodyDue(wallTs: number): DeviceMessage | undefined {
    if (this.body === undefined) return undefined;
    if (this.bodyAt !== undefined && wallTs - this.bodyAt < REPORTING.bodyEveryMs) return undefined;
    const celsius = this.body;
    this.body = undefined;
    this.bodyAt = wallTs;
    return this.message({
      stream: 'temperature',
      payload: { ts: wallTs, seq: this.seq++, kind: 'body', celsius },
    });
  }

  ambientDue(wallTs: number, celsius: () => number): DeviceMessage | undefined {
    if (this.ambientAt !== undefined && wallTs - this.ambientAt < REPORTING.ambientEveryMs) return undefined;
    this.ambientAt = wallTs;
    return this.message({
      stream: 'temperature',
      payload: { ts: wallTs, seq: this.seq++, kind: 'ambient', celsius: celsius() },
    });
  }

  private message(m: Omit<DeviceMessage, 'deviceId'>): DeviceMessage {
    return { ...m, deviceId: this.id } as DeviceMessage;
  }
}
