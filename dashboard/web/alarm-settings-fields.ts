/**
 * The alarm thresholds as the admin form shows them (admin-alarm-settings.ts): which settings
 * there are, in which unit a person types them (DOMAIN.md words them: load in % of safe capacity,
 * body temperature in °C, pending times in seconds, silences in minutes), their limits, and the
 * checks across fields. Pure; tested in Node against shared/alarms.ts `alarmSettingsSchema`, whose
 * limits these mirror (the browser bundle may not import zod, bundle.test.ts).
 *
 * A layer is one scope's overrides (`all` = city-wide, or one site kind): a setting missing from
 * a layer follows the layer under it, down to the built-in defaults.
 */
import type { AlarmSettings, AlarmSettingsInput } from '../../shared/alarms.ts';

/**
 * How a stored value is shown: `pct` a share (0.8) as percent (80), `ms-s` / `ms-min`
 * milliseconds as seconds / minutes, `min` and `celsius` as they are.
 */
export type Unit = 'pct' | 'ms-s' | 'ms-min' | 'min' | 'celsius';

export const FIELD_GROUPS = ['capacity', 'fever', 'devices', 'forecast', 'notify'] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

export interface NumberField {
  key: NumberKey;
  group: FieldGroup;
  unit: Unit;
  /** Limits in STORED units, as in alarmSettingsSchema. */
  min: number;
  max: number;
  /** The stored value is a whole number (milliseconds, minutes). */
  integer: boolean;
}

export type NumberKey =
  | `capacity.${'warnEnter' | 'warnExit' | 'warnPendingMs' | 'critEnter' | 'critExit' | 'critPendingMs'}`
  | `fever.${'warnC' | 'critC'}`
  | 'offlineAfterMs'
  | 'clockSkewMs'
  | 'renotifyMs'
  | 'feverClearMs'
  | 'faultClearMs'
  | `capacityForecast.${'horizonMinutes' | 'raiseAt' | 'clearBelow'}`;

export type SettingKey = NumberKey | 'capacityForecast.enabled';

const DAY_MS = 86_400_000;

/** In the order the form shows them. */
export const NUMBER_FIELDS: readonly NumberField[] = [
  { key: 'capacity.warnEnter', group: 'capacity', unit: 'pct', min: 0, max: 10, integer: false },
  { key: 'capacity.warnExit', group: 'capacity', unit: 'pct', min: 0, max: 10, integer: false },
  { key: 'capacity.warnPendingMs', group: 'capacity', unit: 'ms-s', min: 0, max: DAY_MS, integer: true },
  { key: 'capacity.critEnter', group: 'capacity', unit: 'pct', min: 0, max: 10, integer: false },
  { key: 'capacity.critExit', group: 'capacity', unit: 'pct', min: 0, max: 10, integer: false },
  { key: 'capacity.critPendingMs', group: 'capacity', unit: 'ms-s', min: 0, max: DAY_MS, integer: true },
  { key: 'fever.warnC', group: 'fever', unit: 'celsius', min: 30, max: 45, integer: false },
  { key: 'fever.critC', group: 'fever', unit: 'celsius', min: 30, max: 45, integer: false },
  { key: 'feverClearMs', group: 'fever', unit: 'ms-min', min: 10_000, max: DAY_MS, integer: true },
  { key: 'offlineAfterMs', group: 'devices', unit: 'ms-min', min: 10_000, max: DAY_MS, integer: true },
  { key: 'clockSkewMs', group: 'devices', unit: 'ms-min', min: 1000, max: DAY_MS, integer: true },
  { key: 'faultClearMs', group: 'devices', unit: 'ms-min', min: 10_000, max: DAY_MS, integer: true },
  { key: 'capacityForecast.horizonMinutes', group: 'forecast', unit: 'min', min: 5, max: 60, integer: true },
  { key: 'capacityForecast.raiseAt', group: 'forecast', unit: 'pct', min: 0.1, max: 10, integer: false },
  { key: 'capacityForecast.clearBelow', group: 'forecast', unit: 'pct', min: 0.1, max: 10, integer: false },
  { key: 'renotifyMs', group: 'notify', unit: 'ms-min', min: 60_000, max: DAY_MS, integer: true },
];

const SCALE: Record<Unit, number> = { pct: 0.01, 'ms-s': 1000, 'ms-min': 60_000, min: 1, celsius: 1 };

/** A stored value in the unit the form shows: `toShown('pct', 0.8) // 80`. */
export function toShown(unit: Unit, stored: number): number {
  // Rounded to 4 decimals so 0.07 * 100 shows as 7, not 7.000000000000001.
  return Math.round((stored / SCALE[unit]) * 10_000) / 10_000;
}

/** Shown limits, rounded inwards to 2 decimals so every value they allow is accepted. */
export function shownLimits(field: NumberField): { min: number; max: number } {
  const min = field.min / SCALE[field.unit];
  const max = field.max / SCALE[field.unit];
  // `+ 0` turns the -0 that Math.ceil(-1e-9) gives into 0, which formats without a sign.
  return { min: Math.ceil(min * 100 - 1e-9) / 100 + 0, max: Math.floor(max * 100 + 1e-9) / 100 };
}

export type ParseResult =
  | { kind: 'empty' }
  | { kind: 'ok'; stored: number }
  | { kind: 'error'; error: 'notNumber' | 'range' | 'integer' };

/**
 * What a person typed, in the field's unit, as the stored value. Accepts a decimal comma
 * (`37,3`, as Indonesians write it) or point; empty means "no override here".
 *
 * @example parseShown(field('fever.warnC'), '37,5') // { kind: 'ok', stored: 37.5 }
 * @example parseShown(field('capacity.warnEnter'), '80') // { kind: 'ok', stored: 0.8 }
 */
export function parseShown(field: NumberField, text: string): ParseResult {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (!/^\d{1,7}([.,]\d{1,6})?$/.test(trimmed)) return { kind: 'error', error: 'notNumber' };
  const shown = Number(trimmed.replace(',', '.'));
  if (field.unit === 'min' && !Number.isInteger(shown)) return { kind: 'error', error: 'integer' };
  const raw = shown * SCALE[field.unit];
  const stored = field.integer ? Math.round(raw) : Math.round(raw * 1e6) / 1e6;
  if (stored < field.min || stored > field.max) return { kind: 'error', error: 'range' };
  return { kind: 'ok', stored };
}

/** @example field('renotifyMs').unit // 'ms-min' */
export function field(key: NumberKey): NumberField {
  const found = NUMBER_FIELDS.find((f) => f.key === key);
  if (!found) throw new Error(`Unknown alarm setting '${key}'`);
  return found;
}

type Flat = Partial<Record<SettingKey, number | boolean>>;

/** The settings of one layer by dotted key: `{ 'capacity.warnEnter': 0.8, renotifyMs: 600000 }`. */
export function flatten(layer: AlarmSettingsInput | AlarmSettings | undefined): Flat {
  const out: Flat = {};
  if (!layer) return out;
  for (const [key, value] of Object.entries(layer)) {
    if (value !== null && typeof value === 'object') {
      for (const [inner, v] of Object.entries(value))
        if (v !== undefined) out[`${key}.${inner}` as SettingKey] = v as number | boolean;
    } else if (value !== undefined) {
      out[key as SettingKey] = value as number;
    }
  }
  return out;
}

/** The inverse of `flatten`: groups without a value are left out, so an empty layer is `{}`. */
export function unflatten(flat: Flat): AlarmSettingsInput {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (value === undefined) continue;
    const [head, inner] = key.split('.') as [string, string | undefined];
    if (inner === undefined) out[head] = value;
    else out[head] = { ...((out[head] as object | undefined) ?? {}), [inner]: value };
  }
  return out as AlarmSettingsInput;
}

/** Layers over the defaults, the last one winning (as shared/alarms.ts effectiveAlarmSettings). */
export function mergeFlat(defaults: AlarmSettings, ...layers: Flat[]): Required<Flat> {
  return Object.assign(flatten(defaults), ...layers) as Required<Flat>;
}

export interface Inconsistency {
  /** The two settings that contradict each other: the first must be below the second. */
  low: SettingKey;
  high: SettingKey;
  /** `true` when equal values are allowed too. */
  orEqual: boolean;
}

/**
 * Orders the engine relies on: leaving a level below where it is entered (hysteresis, DOMAIN.md
 * "Alarms": warn at 80%, back to ok below 70%), warning before critical, and the forecast's clear
 * line below its raise line.
 */
export const ORDER_RULES: readonly Inconsistency[] = [
  { low: 'capacity.warnExit', high: 'capacity.warnEnter', orEqual: false },
  { low: 'capacity.critExit', high: 'capacity.critEnter', orEqual: false },
  { low: 'capacity.warnEnter', high: 'capacity.critEnter', orEqual: true },
  { low: 'fever.warnC', high: 'fever.critC', orEqual: true },
  { low: 'capacityForecast.clearBelow', high: 'capacityForecast.raiseAt', orEqual: false },
];

/**
 * The rules the settings in force would break.
 *
 * @example inconsistencies({ ...effective, 'capacity.warnExit': 0.9 }) // [{ low: 'capacity.warnExit', high: 'capacity.warnEnter', ... }]
 */
export function inconsistencies(effective: Required<Flat>): Inconsistency[] {
  return ORDER_RULES.filter((rule) => {
    const low = effective[rule.low] as number;
    const high = effective[rule.high] as number;
    return rule.orEqual ? low > high : low >= high;
  });
}
