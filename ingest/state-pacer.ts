/**
 * How often a site's state goes somewhere expensive: into the store (`site_state`) and onto its
 * retained MQTT topic (`crowd/v1/sites/{id}/state`). The live view gets every change through the
 * batched feed (`topics.liveSiteStates()`); these two need the steps, not every frame.
 *
 * Ingest publishes a changed site every STATE_FLUSH_MS (down to 10-20 ms for a snappy live view);
 * storing each of those as well made the history the biggest write load: 500 busy sites at 20 ms
 * are 25,000 site_state points/s, more than the device readings themselves (measured with
 * `npm run bench`: the store fell behind and spooled to disk). History needs the steps, not every
 * frame: a state is stored at once when the site's level changes (alarms, reports and the
 * minutes over capacity are exact to the change) and otherwise at most once per `everyMs` per
 * site, with a trailing write of the latest state, stamped with the time of its last change, so
 * the final value before a quiet period is never lost.
 *
 * The retained topic is paced the same way: one retained message per change made the site-state
 * stream as large as the device stream (at 10,000 msg/s over 500 sites, 10,000 retained
 * messages/s of ~2 KB each through the broker into the dashboard).
 *
 * @example
 * const history = new StatePacer(1000);
 * history.offer('pasar-tos', 'ok', t);        // true: store now
 * history.offer('pasar-tos', 'ok', t + 200);  // false: remembered
 * history.due(t + 1000);                      // [['pasar-tos', t + 200]]: store the latest state at t + 200
 */
export class StatePacer {
  private readonly stored = new Map<string, { at: number; level: string }>();
  /** Sites with a change not stored yet, and when the last such change happened. */
  private readonly pending = new Map<string, number>();

  constructor(private readonly everyMs: number) {}

  /** A published state of the site: true when it should be stored now (at `now`). */
  offer(siteId: string, level: string, now: number): boolean {
    const last = this.stored.get(siteId);
    if (!last || last.level !== level || now - last.at >= this.everyMs) {
      this.stored.set(siteId, { at: now, level });
      this.pending.delete(siteId);
      return true;
    }
    this.pending.set(siteId, now);
    return false;
  }

  /** Trailing writes now due: [siteId, time of its last unstored change]. */
  due(now: number): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [siteId, changedAt] of this.pending) {
      const last = this.stored.get(siteId);
      if (last && now - last.at < this.everyMs) continue;
      out.push([siteId, changedAt]);
    }
    for (const [siteId, changedAt] of out) this.markStored(siteId, changedAt);
    return out;
  }

  /** Every pending trailing write, due or not (on stop). */
  drain(): Array<[string, number]> {
    const out = [...this.pending];
    for (const [siteId, changedAt] of out) this.markStored(siteId, changedAt);
    return out;
  }

  forget(siteId: string): void {
    this.stored.delete(siteId);
    this.pending.delete(siteId);
  }

  private markStored(siteId: string, at: number): void {
    const last = this.stored.get(siteId);
    this.stored.set(siteId, { at, level: last?.level ?? '' });
    this.pending.delete(siteId);
  }
}
