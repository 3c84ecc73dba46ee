import { describe, expect, it } from 'vitest';
import type { CorrectionEntry } from './api.ts';
import { CORRECTION_ACTIONS, correctionActionText, correctionText } from './correction-text.ts';
import { LANGS } from './i18n.ts';

// 2025-11-28 21:00 UTC = 29 Nov 04.00 WIB (the daily reset hour).
const AT = Date.UTC(2025, 10, 28, 21, 0, 0);
const entry = (patch: Partial<CorrectionEntry>): CorrectionEntry => ({
  at: new Date(AT).toISOString(),
  action: 'reset',
  occupancyBefore: null,
  occupancyAfter: null,
  reason: null,
  by: null,
  ...patch,
});

describe('correction log lines', () => {
  it('gives every recorded action, the counter reboot included, a label in both languages', () => {
    for (const lang of LANGS)
      for (const action of CORRECTION_ACTIONS)
        expect(correctionActionText(action, lang)).not.toMatch(/corrlog|^reboot$|^reset$|^correct$/);
    expect(correctionActionText('reboot', 'id')).toBe(
      'penghitung dinyalakan ulang: garis dasar baru, isi tidak berubah',
    );
    expect(correctionActionText('reboot', 'en')).toBe('counter rebooted: new baseline, count unchanged');
  });

  it('tells a counter reboot as a new baseline with the count unchanged, by the system', () => {
    const line = correctionText(
      entry({
        action: 'reboot',
        reason: 'counter-reboot',
        by: 'system',
        occupancyBefore: 37,
        occupancyAfter: 37,
      }),
      'id',
      AT + 60_000,
    );
    expect(line).toBe(
      '04.00 WIB · penghitung dinyalakan ulang: garis dasar baru, isi tidak berubah · 37 orang · oleh sistem',
    );
  });

  it('tells a daily reset and a manual correction with their reason, before and after', () => {
    expect(
      correctionText(
        entry({ reason: 'daily', by: 'system', occupancyBefore: 12, occupancyAfter: 0 }),
        'en',
        AT + 60_000,
      ),
    ).toBe('04:00 WIB · count reset to zero · daily reset · 12 → 0 people · by the system');
    expect(
      correctionText(
        entry({
          action: 'correct',
          reason: 'dihitung petugas',
          by: 'budi',
          occupancyBefore: 1200,
          occupancyAfter: 1180,
        }),
        'id',
        AT + 60_000,
      ),
    ).toBe('04.00 WIB · hitungan dikoreksi · “dihitung petugas” · 1.200 → 1.180 orang · oleh budi');
  });

  it('shows an action this version does not know as it is, rather than hiding it', () => {
    expect(correctionActionText('recalibrate', 'id')).toBe('recalibrate');
  });
});
