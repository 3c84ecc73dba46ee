import { describe, expect, it } from 'vitest';
import { LIVE_BATCH_MAX_BYTES, type SiteState, siteStateBatchSchema } from '../shared/site-state.ts';
import { liveBatches } from './live-batches.ts';

const state = (i: number): SiteState => ({
  siteId: `site-${String(i).padStart(4, '0')}`,
  occupancy: i,
  safeCapacity: 100,
  load: i / 100,
  level: 'ok',
  updatedAt: 1_764_313_200_000 + i,
  lastSeenAt: 1_764_313_200_000 + i,
  levelSince: 1_764_313_200_000,
  bodyTempC: null,
  ambientTempC: null,
  position: null,
  policyId: 'new-normal-1',
  devices: [{ id: `door-${i}`, lastSeenAt: 1_764_313_200_000 + i, online: true }],
});

const decode = (payload: string) => siteStateBatchSchema.parse(JSON.parse(payload)).states as SiteState[];

describe('liveBatches', () => {
  it('puts one flush of changed sites into one message, in order, without device lists', () => {
    const payloads = liveBatches([state(1), state(2), state(3)]);
    expect(payloads).toHaveLength(1);
    const states = decode(payloads[0]!);
    expect(states.map((s) => s.siteId)).toEqual(['site-0001', 'site-0002', 'site-0003']);
    for (const s of states) expect(s).not.toHaveProperty('devices');
    const { devices: _, ...rest } = state(2);
    expect(states[1]).toEqual(rest);
  });

  it('splits a large flush into messages under the byte limit, losing and repeating nothing', () => {
    const all = Array.from({ length: 2000 }, (_, i) => state(i));
    const payloads = liveBatches(all);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(LIVE_BATCH_MAX_BYTES);
    expect(payloads.flatMap(decode).map((s) => s.occupancy)).toEqual(all.map((s) => s.occupancy));
  });

  it('sends a state larger than the limit alone rather than dropping it', () => {
    const payloads = liveBatches([state(1), state(2)], 50);
    expect(payloads.map((p) => decode(p).length)).toEqual([1, 1]);
  });

  it('sends nothing for a flush without changes', () => {
    expect(liveBatches([])).toEqual([]);
  });
});
