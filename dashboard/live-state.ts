/**
 * The latest SiteState per site, fed by the retained `crowd/v1/sites/+/state` messages ingest
 * publishes (a fresh dashboard gets every current state at once on subscribe) and by its live
 * feed `crowd/v1/live/site-states` (every change, batched per flush; the retained ones are paced
 * to about once a second per site). Both come over one connection in publish order, so a state
 * never overtakes a newer one; a retained state delivered on subscribe may be older than a live
 * one received just before, for at most one STATE_RETAIN_MS (ingest then publishes the latest). Changes are not
 * pushed out here: sites are marked dirty and the socket hub drains them once per tick
 * (DESIGN.md "Known traps": never emit per MQTT message).
 */
import type { Logger } from '../shared/log.ts';
import { rateLimitedLog } from '../shared/log.ts';
import {
  type SiteState,
  type SiteView,
  siteStateBatchSchema,
  siteStateSchema,
} from '../shared/site-state.ts';
import { safeParse } from '../shared/validation.ts';
import type { DashboardMetrics } from './metrics.ts';
import type { RegistryStore } from './registry-store.ts';
import { buildView, compareViews } from './site-views.ts';

export interface LiveChanges {
  updated: SiteView[];
  removed: string[];
}

/**
 * @example
 * const live = new LiveState(registry, logger, metrics);
 * live.handleState('pasar-tos-3000', payload); // from the MQTT client
 * live.views((id) => canSee(user, id));         // worst first
 * live.drain();                                  // { updated, removed } since the last drain
 */
export class LiveState {
  private readonly states = new Map<string, SiteState>();
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  private readonly logRejection = rateLimitedLog();
  private readonly onSite = (id: string, site: unknown) => {
    if (site) {
      this.removed.delete(id);
      this.dirty.add(id);
    } else {
      this.dirty.delete(id);
      this.removed.add(id);
    }
  };
  // A new policy changes the safe capacity of every site still without state.
  private readonly onPolicy = () => {
    for (const site of this.registry.listSites()) this.dirty.add(site.id);
  };

  constructor(
    private readonly registry: RegistryStore,
    private readonly logger: Logger,
    private readonly metrics: DashboardMetrics,
  ) {
    registry.on('site', this.onSite);
    registry.on('policy', this.onPolicy);
  }

  dispose(): void {
    this.registry.off('site', this.onSite);
    this.registry.off('policy', this.onPolicy);
  }

  /**
   * A retained `sites/{id}/state` message. Never throws: an invalid state is counted and logged at
   * a bounded rate.
   */
  handleState(siteId: string, payload: Buffer): void {
    this.metrics.siteStates.inc();
    const text = payload.toString();
    if (text.length === 0) {
      // An empty retained payload clears the state (ingest forgot the site).
      if (this.states.delete(siteId)) this.dirty.add(siteId);
      return;
    }
    const json = this.parseJson(siteId, text);
    if (json !== undefined) this.accept(json, siteId);
  }

  /**
   * A `live/site-states` message: the states that changed in one flush of ingest, without their
   * device lists (ingest/live-batches.ts), which are kept from the site's retained state. Each
   * state is checked on its own, so one bad state costs only itself.
   */
  handleBatch(payload: Buffer): void {
    this.metrics.siteStateBatches.inc();
    const json = this.parseJson('(batch)', payload.toString());
    if (json === undefined) return;
    const batch = safeParse(siteStateBatchSchema, json);
    if (!batch.ok) {
      this.reject('(batch)', 'invalid', batch.error);
      return;
    }
    for (const state of batch.value.states) {
      this.metrics.siteStates.inc();
      this.accept(state);
    }
  }

  private parseJson(siteId: string, text: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      this.reject(siteId, 'not-json', 'payload is not JSON');
      return undefined;
    }
  }

  /** Stores a state; `topicSiteId` is the site its topic names, which the state must match. */
  private accept(json: unknown, topicSiteId?: string): void {
    const result = safeParse(siteStateSchema, json);
    if (!result.ok) {
      this.reject(topicSiteId ?? '(batch)', 'invalid', result.error);
      return;
    }
    const state = result.value;
    if (topicSiteId !== undefined && state.siteId !== topicSiteId) {
      this.reject(topicSiteId, 'invalid', `siteId '${state.siteId}' does not match the topic`);
      return;
    }
    if (!state.devices) {
      const devices = this.states.get(state.siteId)?.devices;
      if (devices) state.devices = devices;
    }
    this.states.set(state.siteId, state);
    this.dirty.add(state.siteId);
  }

  /** The latest state ingest published for the site, as received. */
  state(siteId: string): SiteState | undefined {
    return this.states.get(siteId);
  }

  view(siteId: string): SiteView | undefined {
    const site = this.registry.getSite(siteId);
    return site ? buildView(site, this.states.get(siteId), this.registry.policy().preset) : undefined;
  }

  /** Every registry site the filter lets through, worst first. */
  views(filter: (siteId: string) => boolean = () => true): SiteView[] {
    const policy = this.registry.policy().preset;
    return this.registry
      .listSites()
      .filter((site) => filter(site.id))
      .map((site) => buildView(site, this.states.get(site.id), policy))
      .sort(compareViews);
  }

  /** The views of sites changed since the last drain (latest value only) and the ids removed. */
  drain(): LiveChanges {
    const updated: SiteView[] = [];
    for (const id of this.dirty) {
      const view = this.view(id);
      if (view) updated.push(view);
    }
    const removed = [...this.removed];
    this.dirty.clear();
    this.removed.clear();
    return { updated: updated.sort(compareViews), removed };
  }

  private reject(siteId: string, reason: string, error: string): void {
    this.metrics.rejected.inc({ reason: `site-state-${reason}` });
    this.logRejection(`${reason}:${siteId}`, (suppressed) =>
      this.logger.warn({ site: siteId, error, suppressed }, 'site state rejected'),
    );
  }
}
