/**
 * The browser's copy of every site it may see, keyed by id. The server sends one snapshot per
 * connect and then batches of changed sites (DESIGN.md: one batch per room per tick); this store
 * applies them to a Map at once and tells its listeners at most once per animation frame which
 * ids changed, so a city of thousands of sites re-renders only what moved.
 *
 * The frame scheduler is injected: `requestAnimationFrame` in the browser, a manual queue in
 * tests.
 */
import type { SiteView } from '../../shared/site-state.ts';

export interface SiteChanges {
  /** Ids added or changed since the last notification. */
  changed: ReadonlySet<string>;
  /** Ids removed since the last notification. */
  removed: ReadonlySet<string>;
  /** True when a snapshot replaced everything (listeners may rebuild). */
  reset: boolean;
}

export type ChangeListener = (changes: SiteChanges, store: SiteStore) => void;
export type FrameScheduler = (callback: () => void) => void;

export interface SiteStore {
  readonly sites: ReadonlyMap<string, SiteView>;
  /** True once the first snapshot arrived (before that the list shows "loading"). */
  readonly loaded: boolean;
  get(id: string): SiteView | undefined;
  /** Replaces everything: sites missing from the snapshot were removed while we were away. */
  snapshot(sites: readonly SiteView[]): void;
  update(sites: readonly SiteView[]): void;
  remove(ids: readonly string[]): void;
  /** Asks listeners to redraw everything (language switch) on the next frame. */
  invalidate(): void;
  subscribe(listener: ChangeListener): () => void;
  clear(): void;
}

/**
 * @example
 * const store = createSiteStore((cb) => requestAnimationFrame(cb));
 * store.subscribe(({ changed }) => overview.render(changed));
 * socket.on('sites:update', (batch) => store.update(batch));
 */
export function createSiteStore(schedule: FrameScheduler): SiteStore {
  const sites = new Map<string, SiteView>();
  const listeners = new Set<ChangeListener>();
  let changed = new Set<string>();
  let removed = new Set<string>();
  let reset = false;
  let scheduled = false;
  let loaded = false;

  const flush = () => {
    scheduled = false;
    const changes: SiteChanges = { changed, removed, reset };
    changed = new Set();
    removed = new Set();
    reset = false;
    for (const listener of listeners) {
      try {
        listener(changes, store);
      } catch (err) {
        // One broken view must not stop the others from showing live data.
        console.error('site listener failed', err);
      }
    }
  };
  const request = () => {
    if (scheduled) return;
    scheduled = true;
    schedule(flush);
  };

  const store: SiteStore = {
    sites,
    get loaded() {
      return loaded;
    },
    get: (id) => sites.get(id),
    snapshot(list) {
      const next = new Set(list.map((s) => s.id));
      for (const id of sites.keys()) {
        if (!next.has(id)) {
          sites.delete(id);
          removed.add(id);
          changed.delete(id);
        }
      }
      for (const site of list) {
        sites.set(site.id, site);
        changed.add(site.id);
        removed.delete(site.id);
      }
      loaded = true;
      reset = true;
      request();
    },
    update(list) {
      for (const site of list) {
        sites.set(site.id, site);
        changed.add(site.id);
        removed.delete(site.id);
      }
      if (list.length > 0) request();
    },
    remove(ids) {
      for (const id of ids) {
        if (sites.delete(id)) {
          removed.add(id);
          changed.delete(id);
        }
      }
      if (ids.length > 0) request();
    },
    invalidate() {
      reset = true;
      for (const id of sites.keys()) changed.add(id);
      request();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear() {
      for (const id of sites.keys()) removed.add(id);
      sites.clear();
      changed.clear();
      loaded = false;
      reset = true;
      request();
    },
  };
  return store;
}
