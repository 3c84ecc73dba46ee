/**
 * The latest SiteState per site, fed by the retained `crowd/v1/sites/+/state` messages ingest
 * publishes (a fresh dashboard gets every current state at once on subscribe). Changes are not
 * pushed out here: sites are marked dirty and the socket hub drains them once per tick
 * (DESIGN.md "Known traps": never emit per MQTT message).
 */
import type { Logger } from '../shared/log.ts';
import { rateLimitedLog } from '../shared/log.ts';
import { type SiteState, type SiteView, siteStateSchema } from '../shared/site-state.ts';
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

  /** Never throws: an invalid state is counted and logged at a bounded rate. */
  handleState(siteId: string, payload: Buffer): void {
    this.metrics.siteStates.inc();
    const text = payload.toString();
    if (text.length === 0) {
      // An empty retained payload clears the state (ingest forgot the site).
      if (this.states.delete(siteId)) this.dirty.add(siteId);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.reject(siteId, 'not-json', 'payload is not JSON');
      return;
    }
    const result = safeParse(siteStateSchema, json);
    if (!result.ok) {
      this.reject(siteId, 'invalid', result.error);
      return;
    }
    if (result.value.siteId !== siteId) {
      this.reject(siteId, 'invalid', `siteId '${result.value.siteId}' does not match the topic`);
      return;
    }
    this.states.set(siteId, result.value);
    this.dirty.add(siteId);
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
