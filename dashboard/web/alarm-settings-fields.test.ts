import { describe, expect, it } from 'vitest';
import { alarmSettingsSchema, DEFAULT_ALARM_SETTINGS } from '../../shared/alarms.ts';
import {
  field,
  flatten,
  inconsistencies,
  mergeFlat,
  NUMBER_FIELDS,
  parseShown,
  shownLimits,
  toShown,
  unflatten,
} from './alarm-settings-fields.ts';

/** The server's verdict on one stored value (dashboard/registry-routes.ts validates with this). */
const serverAccepts = (key: string, stored: number) =>
  alarmSettingsSchema.safeParse(unflatten({ [key]: stored } as never)).success;

describe('alarm threshold fields', () => {
  it('knows every numeric setting of the contract, with the server’s own limits', () => {
    const keys = Object.entries(flatten(DEFAULT_ALARM_SETTINGS))
      .filter(([, v]) => typeof v === 'number')
      .map(([k]) => k);
    expect(NUMBER_FIELDS.map((f) => f.key).sort()).toEqual(keys.sort());
    for (const f of NUMBER_FIELDS) {
      expect(serverAccepts(f.key, f.min), `${f.key} min`).toBe(true);
      expect(serverAccepts(f.key, f.max), `${f.key} max`).toBe(true);
      expect(serverAccepts(f.key, f.min - (f.integer ? 1 : 0.001)), `${f.key} below`).toBe(false);
      expect(serverAccepts(f.key, f.max + (f.integer ? 1 : 0.001)), `${f.key} above`).toBe(false);
    }
  });

  it('accepts in the browser exactly what the server accepts at the shown limits', () => {
    for (const f of NUMBER_FIELDS) {
      const { min, max } = shownLimits(f);
      for (const shown of [min, max]) {
        const parsed = parseShown(f, String(shown));
        expect(parsed.kind, `${f.key} ${shown}`).toBe('ok');
        if (parsed.kind === 'ok') expect(serverAccepts(f.key, parsed.stored), f.key).toBe(true);
      }
      expect(parseShown(f, String(max + 1)).kind, f.key).toBe('error');
    }
  });

  it('reads values in the units DOMAIN.md uses, with a decimal comma or point', () => {
    expect(parseShown(field('capacity.warnEnter'), '80')).toEqual({ kind: 'ok', stored: 0.8 });
    expect(parseShown(field('capacity.warnPendingMs'), '30')).toEqual({ kind: 'ok', stored: 30_000 });
    expect(parseShown(field('fever.warnC'), '37,3')).toEqual({ kind: 'ok', stored: 37.3 });
    expect(parseShown(field('fever.critC'), ' 38.0 ')).toEqual({ kind: 'ok', stored: 38 });
    expect(parseShown(field('offlineAfterMs'), '5')).toEqual({ kind: 'ok', stored: 300_000 });
    expect(parseShown(field('capacityForecast.horizonMinutes'), '30')).toEqual({ kind: 'ok', stored: 30 });
    expect(toShown('pct', 0.07)).toBe(7);
    expect(shownLimits(field('capacity.warnEnter'))).toEqual({ min: 0, max: 1000 });
    expect(Object.is(shownLimits(field('capacity.warnEnter')).min, 0)).toBe(true);
    expect(shownLimits(field('clockSkewMs'))).toEqual({ min: 0.02, max: 1440 });
    expect(toShown('ms-min', 900_000)).toBe(15);
  });

  it('refuses what is not a number, out of range, or not whole, and treats empty as no override', () => {
    expect(parseShown(field('fever.warnC'), '')).toEqual({ kind: 'empty' });
    expect(parseShown(field('fever.warnC'), 'tiga tujuh')).toEqual({ kind: 'error', error: 'notNumber' });
    expect(parseShown(field('fever.warnC'), '-37')).toEqual({ kind: 'error', error: 'notNumber' });
    expect(parseShown(field('fever.warnC'), '50')).toEqual({ kind: 'error', error: 'range' });
    expect(parseShown(field('renotifyMs'), '0,5')).toEqual({ kind: 'error', error: 'range' });
    expect(parseShown(field('capacityForecast.horizonMinutes'), '7,5')).toEqual({
      kind: 'error',
      error: 'integer',
    });
  });

  it('flattens a layer to dotted keys and back, leaving out empty groups', () => {
    const layer = { capacity: { warnEnter: 0.6 }, renotifyMs: 600_000, capacityForecast: { enabled: false } };
    expect(flatten(layer)).toEqual({
      'capacity.warnEnter': 0.6,
      renotifyMs: 600_000,
      'capacityForecast.enabled': false,
    });
    expect(unflatten(flatten(layer))).toEqual(layer);
    expect(unflatten({})).toEqual({});
  });

  it('finds thresholds that contradict each other in the settings in force', () => {
    const defaults = mergeFlat(DEFAULT_ALARM_SETTINGS);
    expect(inconsistencies(defaults)).toEqual([]);
    const exitAboveEnter = mergeFlat(DEFAULT_ALARM_SETTINGS, { 'capacity.warnExit': 0.85 });
    expect(inconsistencies(exitAboveEnter).map((r) => r.low)).toEqual(['capacity.warnExit']);
    const feverInverted = mergeFlat(DEFAULT_ALARM_SETTINGS, { 'fever.warnC': 38.5 });
    expect(inconsistencies(feverInverted).map((r) => r.low)).toEqual(['fever.warnC']);
    // Equal warning and critical lines are allowed (every fever critical at once).
    expect(inconsistencies(mergeFlat(DEFAULT_ALARM_SETTINGS, { 'fever.warnC': 38 }))).toEqual([]);
  });
});
