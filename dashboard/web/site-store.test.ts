import { describe, expect, it } from 'vitest';
import { site } from './site-fixture.ts';
import { createSiteStore, type SiteChanges } from './site-store.ts';

/** A frame scheduler driven by hand: `frame()` runs what was requested since the last frame. */
function manualFrames() {
  let queue: Array<() => void> = [];
  return {
    schedule: (cb: () => void) => {
      queue.push(cb);
    },
    get pending() {
      return queue.length;
    },
    frame() {
      const run = queue;
      queue = [];
      for (const cb of run) cb();
    },
  };
}

function setup() {
  const frames = manualFrames();
  const store = createSiteStore(frames.schedule);
  const seen: Array<{ changed: string[]; removed: string[]; reset: boolean }> = [];
  store.subscribe((c: SiteChanges) =>
    seen.push({ changed: [...c.changed].sort(), removed: [...c.removed].sort(), reset: c.reset }),
  );
  return { frames, store, seen };
}

describe('site store', () => {
  it('coalesces many update batches into one notification per frame', () => {
    const { frames, store, seen } = setup();
    store.update([site('a', { occupancy: 1 })]);
    store.update([site('b')]);
    store.update([site('a', { occupancy: 2 })]);
    expect(frames.pending).toBe(1);
    expect(seen).toEqual([]);
    frames.frame();
    expect(seen).toEqual([{ changed: ['a', 'b'], removed: [], reset: false }]);
    expect(store.get('a')?.occupancy).toBe(2);
  });

  it('does not schedule a frame for an empty batch', () => {
    const { frames, store } = setup();
    store.update([]);
    store.remove([]);
    expect(frames.pending).toBe(0);
  });

  it('replaces everything on a snapshot, reporting sites that vanished while disconnected', () => {
    const { frames, store, seen } = setup();
    store.update([site('a'), site('b')]);
    frames.frame();
    expect(store.loaded).toBe(false);
    store.snapshot([site('b'), site('c')]);
    frames.frame();
    expect([...store.sites.keys()].sort()).toEqual(['b', 'c']);
    expect(store.loaded).toBe(true);
    expect(seen.at(-1)).toEqual({ changed: ['b', 'c'], removed: ['a'], reset: true });
  });

  it('removes sites and forgets their pending changes', () => {
    const { frames, store, seen } = setup();
    store.update([site('a'), site('b')]);
    store.remove(['a', 'not-there']);
    frames.frame();
    expect(seen).toEqual([{ changed: ['b'], removed: ['a'], reset: false }]);
  });

  it('treats a site that comes back after removal as changed, not removed', () => {
    const { frames, store, seen } = setup();
    store.update([site('a')]);
    frames.frame();
    store.remove(['a']);
    store.update([site('a', { level: 'critical' })]);
    frames.frame();
    expect(seen.at(-1)).toEqual({ changed: ['a'], removed: [], reset: false });
  });

  it('marks every site changed on invalidate (language switch)', () => {
    const { frames, store, seen } = setup();
    store.snapshot([site('a'), site('b')]);
    frames.frame();
    store.invalidate();
    frames.frame();
    expect(seen.at(-1)).toEqual({ changed: ['a', 'b'], removed: [], reset: true });
  });

  it('keeps notifying other listeners when one throws', () => {
    const { frames, store, seen } = setup();
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      store.subscribe(() => {
        throw new Error('broken view');
      });
      const after: string[] = [];
      store.subscribe((c) => after.push(...c.changed));
      store.update([site('a')]);
      frames.frame();
      expect(seen).toHaveLength(1);
      expect(after).toEqual(['a']);
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
  });

  it('empties itself on clear (logout) and stops notifying unsubscribed listeners', () => {
    const { frames, store } = setup();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.snapshot([site('a')]);
    frames.frame();
    off();
    store.clear();
    frames.frame();
    expect(store.sites.size).toBe(0);
    expect(store.loaded).toBe(false);
    expect(calls).toBe(1);
  });
});
