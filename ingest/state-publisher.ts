/**
 * Where a changed site state goes, once per STATE_FLUSH_MS: every changed site into one live
 * batch (QoS 0: a frame lost on a reconnect is superseded by the next one or the retained
 * state), its retained topic and the store's `site_state` history, both paced per site
 * (state-pacer.ts: at once on a level change, else at most once per period, with a trailing one).
 */
import type { Clock } from '../shared/clock.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import type { SiteState } from '../shared/site-state.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { topics } from '../shared/topics.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { liveBatches } from './live-batches.ts';
import { siteStatePoint } from './points.ts';
import type { SiteTracker } from './site-tracker.ts';
import { StatePacer } from './state-pacer.ts';

export interface StatePublisherDeps {
  registry: RegistryReplica;
  tracker: SiteTracker;
  store: HistoryStore;
  clock: Clock;
  metrics: Pick<IngestMetrics, 'statePublishes'>;
  /** An MQTT publish on ingest's data connection (a no-op while it has none). */
  publish: (topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }) => void;
  /** A state went out on the live feed. */
  onState: (state: SiteState) => void;
}

/**
 * @example
 * const states = new StatePublisher(deps, { storeMs: 1000, retainMs: 1000 });
 * states.changed('pasar-tos'); // ... every STATE_FLUSH_MS:
 * states.flush();
 */
export class StatePublisher {
  readonly #dirty = new Set<string>();
  readonly #history: StatePacer;
  readonly #retained: StatePacer;

  constructor(
    private readonly deps: StatePublisherDeps,
    pacing: { storeMs: number; retainMs: number },
  ) {
    this.#history = new StatePacer(pacing.storeMs);
    this.#retained = new StatePacer(pacing.retainMs);
  }

  /** Queues the site for the next flush. */
  changed(siteId: string): void {
    this.#dirty.add(siteId);
  }

  /** A site that was deleted: nothing of it goes out any more. */
  forget(siteId: string): void {
    this.#history.forget(siteId);
    this.#retained.forget(siteId);
    this.#dirty.delete(siteId);
  }

  flush(): void {
    const { tracker, registry, metrics } = this.deps;
    const now = this.deps.clock.now();
    for (const [id, at] of this.#history.due(now)) this.#store(id, at);
    for (const [id] of this.#retained.due(now)) this.#publishRetained(id);
    if (this.#dirty.size === 0) return;
    const changed: SiteState[] = [];
    for (const id of this.#dirty) {
      const state = tracker.snapshot(id, { devices: false });
      if (!state || !registry.sites.has(id)) continue;
      changed.push(state);
      if (this.#retained.offer(id, state.level, now)) this.#publishRetained(id);
      if (this.#history.offer(id, state.level, now)) this.#store(id, now);
      metrics.statePublishes.inc();
      this.deps.onState(state);
    }
    this.#dirty.clear();
    for (const payload of liveBatches(changed))
      this.deps.publish(topics.liveSiteStates(), payload, { qos: 0 });
  }

  /** At a stop: flushes, then stores and publishes every state the pacers still hold back. */
  drain(): void {
    this.flush();
    for (const [id, at] of this.#history.drain()) this.#store(id, at);
    for (const [id] of this.#retained.drain()) this.#publishRetained(id);
  }

  /** The site's retained state: what a new subscriber (a dashboard starting) gets at once. */
  #publishRetained(id: string): void {
    const state = this.deps.tracker.snapshot(id);
    if (!state || !this.deps.registry.sites.has(id)) return;
    this.deps.publish(topics.siteState(id), JSON.stringify(state), { qos: 1, retain: true });
  }

  /** Writes the site's current state to the store, stamped `at`. */
  #store(siteId: string, at: number): void {
    const state = this.deps.tracker.snapshot(siteId, { devices: false });
    const site = this.deps.registry.sites.get(siteId);
    const point = state && site ? siteStatePoint(state, site, at) : undefined;
    if (point) this.deps.store.write(point);
  }
}
