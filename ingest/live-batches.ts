/**
 * The live feed's messages (`topics.liveSiteStates()`): the states that changed in one flush, as
 * `{"states":[...]}` payloads of at most LIVE_BATCH_MAX_BYTES each. One message per flush instead
 * of one retained message per changed site keeps the broker's and the dashboard's work per flush,
 * not per reading. Device lists are left out: they change with every reading (`lastSeenAt`), are
 * most of a state's bytes, and only the site detail shows them, from the paced retained state.
 */
import { LIVE_BATCH_MAX_BYTES, type SiteState } from '../shared/site-state.ts';

const OPEN = '{"states":[';
const CLOSE = ']}';

/**
 * @example
 * for (const payload of liveBatches(changedStates)) client.publish(topics.liveSiteStates(), payload, { qos: 0 });
 */
export function liveBatches(states: readonly SiteState[], maxBytes = LIVE_BATCH_MAX_BYTES): string[] {
  const payloads: string[] = [];
  let parts: string[] = [];
  let bytes = OPEN.length + CLOSE.length;
  for (const state of states) {
    // Ingest passes states built without devices; a copy only for a state that has them.
    const json = JSON.stringify(state.devices ? { ...state, devices: undefined } : state);
    const size = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && bytes + size > maxBytes) {
      payloads.push(OPEN + parts.join(',') + CLOSE);
      parts = [];
      bytes = OPEN.length + CLOSE.length;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0) payloads.push(OPEN + parts.join(',') + CLOSE);
  return payloads;
}
