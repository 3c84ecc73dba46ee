/**
 * The dashboard and the webhook / WhatsApp text word alarms the same way: both take the words
 * from shared/alarm-labels.ts, so an operator matches a WhatsApp message to the alarm on screen.
 */
import { describe, expect, it } from 'vitest';
import { ALARM_TYPE_LABELS, SENSOR_FAULT_LABELS, SEVERITY_LABELS } from '../shared/alarm-labels.ts';
import { ALARM_TYPES, SEVERITIES } from '../shared/alarms.ts';
import { alarmText } from './notify/alarm-message.ts';
import { alarm } from './web/alarm-fixture.ts';
import { alarmSummary } from './web/alarm-text.ts';
import { alarmTypeText, LANGS, translate } from './web/i18n.ts';

const SITE = { id: 'pasar-tos-3000', name: 'Pasar Tos 3000', kind: 'market' as const };
const T = Date.UTC(2025, 10, 28, 1, 15, 0);

describe('alarm wording in the UI and in notifications', () => {
  it('shows every alarm type and severity in the UI with the table’s words', () => {
    for (const lang of LANGS) {
      for (const type of ALARM_TYPES) expect(alarmTypeText(lang, type)).toBe(ALARM_TYPE_LABELS[type][lang]);
      for (const severity of SEVERITIES)
        expect(translate(lang, `alarm.severity.${severity}`)).toBe(SEVERITY_LABELS[severity][lang]);
    }
  });

  it('says the same severity and type words in the WhatsApp text as the UI', () => {
    for (const severity of SEVERITIES) {
      const text = alarmText('raised', alarm(SITE.id, { severity, raisedAt: T }), SITE, T);
      expect(text.startsWith(`[${translate('id', `alarm.severity.${severity}`)}] `)).toBe(true);
    }
    for (const type of ALARM_TYPES) {
      const cleared = alarm(SITE.id, {
        type,
        state: 'cleared',
        clearedAt: T,
        clearedBy: 'system',
        raisedAt: T,
      });
      expect(alarmText('cleared', cleared, SITE, T)).toBe(
        `[PULIH] Pasar Tos 3000: alarm ${alarmTypeText('id', type)} selesai pukul 08.15 WIB.`,
      );
    }
  });

  it('names a sensor fault with the same words in the UI and in the WhatsApp text', () => {
    for (const [fault, label] of Object.entries(SENSOR_FAULT_LABELS)) {
      const a = alarm(SITE.id, {
        type: 'sensor-fault',
        raisedAt: T,
        details: { fault, deviceId: 'tos-door-1' },
      });
      expect(alarmText('raised', a, SITE, T)).toBe(
        `[WASPADA] Pasar Tos 3000: gangguan sensor pada perangkat tos-door-1: ${label.id}. Sejak 08.15 WIB.`,
      );
      expect(alarmSummary(a, 'id')).toBe(`gangguan: ${label.id} · perangkat tos-door-1`);
      expect(alarmSummary(a, 'en')).toBe(`fault: ${label.en} · device tos-door-1`);
    }
  });
});
