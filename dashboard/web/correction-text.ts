/**
 * One recorded counting correction as a line of text, for the site's correction log
 * (site-correction-log.ts): when, what (reset, correction, or a door counter's reboot, which
 * ingest records as action `reboot` with the count unchanged: ingest/create-ingest.ts), why, the
 * count before and after, and by whom (`system` for the daily reset and reboots). Pure; tested.
 */
import { actorText, alarmTime } from './alarm-text.ts';
import type { CorrectionEntry } from './api.ts';
import { formatNumber } from './format.ts';
import { type Lang, MESSAGES, type MessageKey, translate } from './i18n.ts';

/** The actions ingest records (ingest/points.ts correctionPoint). */
export const CORRECTION_ACTIONS = ['reset', 'correct', 'reboot'] as const;

const known = (key: string): key is MessageKey => Object.hasOwn(MESSAGES.id, key);

/**
 * What the action was, in words; an action this version does not know is shown as it is.
 *
 * @example correctionActionText('reboot', 'id') // 'penghitung dinyalakan ulang: garis dasar baru, isi tidak berubah'
 */
export function correctionActionText(action: string | null, lang: Lang): string {
  const key = `corrlog.action.${action}`;
  return known(key) ? translate(lang, key) : String(action ?? '?');
}

/**
 * @example correctionText({ at, action: 'reset', reason: 'daily', by: 'system', occupancyBefore: 12, occupancyAfter: 0 }, 'id', now)
 *   // '04.00 WIB · hitungan dinolkan · reset harian · 12 → 0 orang · oleh sistem'
 */
export function correctionText(entry: CorrectionEntry, lang: Lang, nowMs: number): string {
  const at = Date.parse(entry.at);
  const parts = [
    Number.isNaN(at) ? entry.at : alarmTime(at, lang, nowMs),
    correctionActionText(entry.action, lang),
  ];
  // A reboot's reason is always `counter-reboot`, which the action already says.
  if (entry.reason && entry.action !== 'reboot') {
    const key = `corrlog.reason.${entry.reason}`;
    parts.push(known(key) ? translate(lang, key) : `“${entry.reason}”`);
  }
  const { occupancyBefore: before, occupancyAfter: after } = entry;
  if (before !== null && after !== null && before !== after)
    parts.push(
      translate(lang, 'corrlog.change', {
        before: formatNumber(before, lang),
        after: formatNumber(after, lang),
      }),
    );
  else if (after !== null) parts.push(translate(lang, 'corrlog.count', { n: formatNumber(after, lang) }));
  if (entry.by)
    parts.push(
      translate(lang, 'corrlog.by', {
        by: actorText(entry.by, lang),
      }),
    );
  return parts.join(' · ');
}
