/**
 * The firmware of one load-mode device: a door counter that reports cumulative IN/OUT totals since
 * boot with a `seq` that increases by one per message (DESIGN.md protocol v1 `counts`). Load mode
 * wants many cheap devices, not the world model's buses and venues, so people arrive at random
 * and leave at random, never more than are inside. A reboot (decided by the device's FaultPlan)
 * starts totals and `seq` again from 0, as a power cycle does (DOMAIN.md "Counting people").
 */
import type { DeviceMessage } from '../shared/device-schemas.ts';
import type { FaultPlan } from './device-behaviour.ts';
import { entityRng, type Rng } from './sampling.ts';

/**
 * @example
 * const fw = new LoadFirmware('load-00001', 2020);
 * const m = fw.next(Date.now(), plan); // { stream: 'counts', payload: { ts, seq: 0, in: 2, out: 0 } }
 */
export class LoadFirmware {
  seq = 0;
  in = 0;
  out = 0;
  reboots = 0;
  private lastTs = 0;
  private readonly rng: Rng;

  constructor(
    readonly deviceId: string,
    seed: number,
  ) {
    this.rng = entityRng(seed, deviceId);
  }

  /** The next counts report at true time `now`; `ts` strictly increases within a device. */
  next(now: number, plan?: FaultPlan): DeviceMessage {
    if (plan?.reboot()) {
      this.in = 0;
      this.out = 0;
      this.seq = 0;
      this.reboots++;
    }
    const inside = this.in - this.out;
    const entered = Math.floor(this.rng() * 4);
    const left = Math.min(inside + entered, Math.floor(this.rng() * 4));
    this.in += entered;
    this.out += left;
    // Two reports in one millisecond would be one point in InfluxDB (same series, same time).
    const ts = Math.max(Math.floor(now), this.lastTs + 1);
    this.lastTs = ts;
    return {
      deviceId: this.deviceId,
      stream: 'counts',
      payload: { ts, seq: this.seq++, in: this.in, out: this.out },
    };
  }
}
