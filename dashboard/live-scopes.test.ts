import { describe, expect, it } from 'vitest';
import { LiveScopes } from './live-scopes.ts';

const view = (id: string) => ({ id });

describe('LiveScopes', () => {
  it('gives the same site set the same room, whatever the order or repeats', () => {
    const scopes = new LiveScopes();
    const a = scopes.roomFor(['pasar-tos', 'mall-bcs']);
    expect(scopes.roomFor(['mall-bcs', 'pasar-tos', 'mall-bcs'])).toBe(a);
    expect(scopes.roomFor(['pasar-tos'])).not.toBe(a);
    expect(a).toMatch(/^scope:/);
    expect(scopes.size()).toBe(2);
  });

  it('groups the changed views per room, keeping their order, and leaves out rooms with none', () => {
    const scopes = new LiveScopes();
    const both = scopes.roomFor(['pasar-tos', 'mall-bcs']);
    const tos = scopes.roomFor(['pasar-tos']);
    const bus = scopes.roomFor(['bus-k1-01']);
    const batches = scopes.batches([view('mall-bcs'), view('pasar-tos'), view('kepri-mall')]);
    expect(batches.get(both)).toEqual([view('mall-bcs'), view('pasar-tos')]);
    expect(batches.get(tos)).toEqual([view('pasar-tos')]);
    expect(batches.has(bus)).toBe(false);
  });

  it('forgets a deleted room and the sites only it referenced', () => {
    const scopes = new LiveScopes();
    const room = scopes.roomFor(['pasar-tos']);
    scopes.forget(room);
    scopes.forget('sites:all');
    expect(scopes.size()).toBe(0);
    expect(scopes.batches([view('pasar-tos')]).size).toBe(0);
  });
});
