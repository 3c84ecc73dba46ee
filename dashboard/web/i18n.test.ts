import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALARM_ACTIONS, ALARM_STATES, ALARM_TYPES } from '../../shared/alarms.ts';
import { LEVELS, SITE_KINDS } from '../../shared/registry-schemas.ts';
import { ROLES } from './api.ts';
import {
  alarmStateText,
  alarmTypeText,
  DEFAULT_LANG,
  kindText,
  LANGS,
  levelText,
  MESSAGES,
  type MessageKey,
  otherLang,
  severityText,
  translate,
} from './i18n.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('speaks Bahasa Indonesia by default', () => {
    expect(DEFAULT_LANG).toBe('id');
  });

  it('has every key in both languages, none empty, with the same placeholders', () => {
    const idKeys = Object.keys(MESSAGES.id).sort();
    for (const lang of LANGS) {
      expect(Object.keys(MESSAGES[lang]).sort()).toEqual(idKeys);
      for (const key of idKeys as MessageKey[]) {
        expect(MESSAGES[lang][key].trim(), `${lang} ${key}`).not.toBe('');
        expect(placeholders(MESSAGES[lang][key]), `${lang} ${key}`).toEqual(placeholders(MESSAGES.id[key]));
      }
    }
  });

  it('names every site kind of the contract in both languages', () => {
    expect(SITE_KINDS.map((k) => kindText('id', k))).toEqual([
      'bus',
      'pasar',
      'tempat wisata',
      'mal',
      'hotel',
      'restoran',
      'layanan publik',
    ]);
    for (const kind of SITE_KINDS) expect(kindText('en', kind)).not.toMatch(/^kind\./);
  });

  it('tells each level by text and icon, never by colour alone', () => {
    expect(levelText('id', 'critical')).toBe('KRITIS ▲');
    expect(levelText('id', 'warning')).toBe('WASPADA !');
    expect(levelText('id', 'ok')).toBe('AMAN ✓');
    expect(levelText('id', 'unknown')).toBe('TIDAK DIKETAHUI ?');
    expect(LEVELS.map((l) => levelText('en', l))).toEqual(['OK ✓', 'WARNING !', 'CRITICAL ▲', 'UNKNOWN ?']);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('id', 'age.seconds', { n: 12 })).toBe('12 dtk lalu');
    expect(translate('en', 'list.summary', { shown: 3 })).toBe('Showing 3 of {total} sites');
  });

  it('says one alarm, two alarms and 1.234 alarms in English', () => {
    expect(translate('en', 'nav.alarmCount', { n: 1 })).toBe('1 open alarm');
    expect(translate('en', 'nav.alarmCount', { n: 2 })).toBe('2 open alarms');
    expect(translate('en', 'nav.alarmCount', { n: '1.234' })).toBe('1.234 open alarms');
    expect(translate('en', 'map.unplaced', { n: 1 })).toBe('1 site without coordinates is not on the map.');
    expect(translate('id', 'nav.alarmCount', { n: 1 })).toBe(
      translate('id', 'nav.alarmCount', { n: 2 }).replace('2', '1'),
    );
  });

  it('states the memory-store notice required by the design', () => {
    expect(translate('id', 'header.memoryStore')).toBe('Riwayat disimpan di memori (tanpa InfluxDB)');
    expect(translate('en', 'header.memoryStore')).toMatch(/memory/i);
  });

  it('names connection states as operators expect', () => {
    expect(translate('id', 'conn.connected')).toBe('terhubung');
    expect(translate('id', 'conn.disconnected')).toBe('terputus');
    expect(translate('id', 'conn.reconnecting')).toMatch(/^menyambung ulang/);
  });

  it('toggles between the two languages', () => {
    expect(otherLang('id')).toBe('en');
    expect(otherLang('en')).toBe('id');
  });

  it('knows every data-i18n key index.html uses', () => {
    const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
    const keys = [...html.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(20);
    for (const key of keys) expect(MESSAGES.id, key).toHaveProperty([key]);
  });

  it('names the alarm types as operators say them, in both languages', () => {
    expect(ALARM_TYPES.map((type) => alarmTypeText('id', type))).toEqual([
      'kapasitas',
      'demam',
      'perangkat offline',
      'gangguan sensor',
      'perkiraan melebihi kapasitas',
    ]);
    expect(ALARM_TYPES.map((type) => alarmTypeText('en', type))).toEqual([
      'capacity',
      'fever',
      'device offline',
      'sensor fault',
      'forecast over capacity',
    ]);
  });

  it('tells alarm severity by text and icon, the same words as the site levels', () => {
    expect(severityText('id', 'critical')).toBe(levelText('id', 'critical'));
    expect(severityText('id', 'warning')).toBe('WASPADA !');
    expect(severityText('en', 'critical')).toBe('CRITICAL ▲');
  });

  it('names every alarm state, history action and user role of the contract', () => {
    expect(alarmStateText('id', 'open')).toBe('terbuka');
    expect(alarmStateText('id', 'acknowledged')).toBe('diakui');
    for (const lang of LANGS) {
      for (const state of ALARM_STATES) expect(alarmStateText(lang, state)).not.toMatch(/^alarm\./);
      for (const action of ALARM_ACTIONS) expect(MESSAGES[lang]).toHaveProperty([`alarm.action.${action}`]);
      for (const role of ROLES) expect(MESSAGES[lang]).toHaveProperty([`role.${role}`]);
    }
  });

  it('warns that a device secret is shown only once, in both languages', () => {
    expect(translate('id', 'device.secretWarning')).toMatch(/sekali/);
    expect(translate('en', 'device.secretWarning')).toMatch(/only once/);
  });
});
