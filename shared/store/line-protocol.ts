/**
 * StorePoint -> InfluxDB line protocol, through the client's `Point` (its escaping of
 * measurement, tag keys/values and quoted strings is the reference one) with our field-type
 * rule from history-store.ts: every number is a float, so a field never changes type across
 * writes (InfluxDB refuses that with "field type conflict").
 */
import { Point } from '@influxdata/influxdb-client';
import { MEASUREMENTS, type StorePoint } from './history-store.ts';

/**
 * InfluxDB 1.x refuses string field values over 64 KiB; dead-letter payloads are cut well below
 * that (chars, not bytes: 16 Ki chars stay under 64 KiB even at 4 UTF-8 bytes each).
 */
export const MAX_STRING_FIELD_CHARS = 16_384;

export type LineResult = { ok: true; line: string } | { ok: false; error: string };

const millis = (value: string | number | Date | undefined) =>
  typeof value === 'number' ? String(Math.trunc(value)) : undefined;

/**
 * @example
 * toLine({ measurement: 'site_state', tags: { site: 'pasar tos' }, fields: { occupancy: 12, level: 'ok' }, ts: 1764313200000 });
 * // { ok: true, line: 'site_state,site=pasar\\ tos level="ok",occupancy=12 1764313200000' }
 */
export function toLine(point: StorePoint): LineResult {
  if (!(MEASUREMENTS as readonly string[]).includes(point.measurement))
    return { ok: false, error: `measurement '${String(point.measurement)}' is not one of ours` };
  if (!Number.isFinite(point.ts)) return { ok: false, error: `ts ${point.ts} is not a time` };
  const p = new Point(point.measurement).timestamp(point.ts);
  for (const [key, value] of Object.entries(point.tags)) {
    if (typeof value === 'string' && value !== '') p.tag(key, value);
  }
  let fields = 0;
  for (const [key, value] of Object.entries(point.fields)) {
    if (key === '') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      p.floatField(key, value);
    } else if (typeof value === 'boolean') p.booleanField(key, value);
    else if (typeof value === 'string')
      p.stringField(
        key,
        value.length > MAX_STRING_FIELD_CHARS ? `${value.slice(0, MAX_STRING_FIELD_CHARS)}…` : value,
      );
    else continue;
    fields++;
  }
  if (fields === 0) return { ok: false, error: `${point.measurement} point has no storable field` };
  const line = p.toLineProtocol({ convertTime: millis });
  return line ? { ok: true, line } : { ok: false, error: 'point could not be encoded' };
}
