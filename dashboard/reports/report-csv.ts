/**
 * The compliance report as CSV (RFC 4180: CRLF rows, fields with `"`, `,`, CR or LF quoted, `"`
 * doubled), with a UTF-8 byte order mark so Excel reads site names with non-ASCII letters
 * correctly. Three sheets, one file each: `days` (one row per site per day), `alarms` (one row per
 * alarm raised) and `fever` (one row per fever reading). Times are WIB, `YYYY-MM-DD HH:MM:SS`.
 *
 * Formula injection (OWASP "CSV Injection"): a text cell starting with `=`, `+`, `-`, `@`, TAB or
 * CR would run as a formula in a spreadsheet, and site names, user names and alarm ids come from
 * people; such cells get a leading `'`. Numbers are written as numbers (a negative number is
 * data, not a formula).
 */
import type { ComplianceReport } from './report-data.ts';
import { wibDateTime } from './report-days.ts';

export const CSV_SHEETS = ['days', 'alarms', 'fever'] as const;
export type CsvSheet = (typeof CSV_SHEETS)[number];

type Cell = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * @example csvCell('=HYPERLINK("x")') // `"'=HYPERLINK(""x"")"`
 * @example csvCell(-3) // '-3'
 */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const time = (ms: number | null) => (ms === null ? null : wibDateTime(ms));

function table(header: string[], rows: Cell[][]): string {
  return `\uFEFF${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/**
 * @example const csv = reportCsv(report, 'days'); // "\uFEFFsite_id,site_name,date,..."
 */
export function reportCsv(report: ComplianceReport, sheet: CsvSheet): string {
  if (sheet === 'alarms')
    return table(
      [
        'site_id',
        'site_name',
        'date',
        'alarm_id',
        'type',
        'severity',
        'raised_at_wib',
        'acknowledged_at_wib',
        'acknowledged_by',
        'minutes_to_acknowledge',
        'cleared_at_wib',
        'cleared_by',
      ],
      report.alarms.map((a) => [
        a.siteId,
        report.sites.find((s) => s.id === a.siteId)?.name,
        a.date,
        a.alarmId,
        a.type,
        a.severity,
        time(a.raisedAt),
        time(a.acknowledgedAt),
        a.acknowledgedBy,
        a.acknowledgedAt === null ? null : Math.round((a.acknowledgedAt - a.raisedAt) / 6000) / 10,
        time(a.clearedAt),
        a.clearedBy,
      ]),
    );
  if (sheet === 'fever')
    return table(
      ['site_id', 'site_name', 'date', 'time_wib', 'celsius', 'threshold_c'],
      report.rows.flatMap((r) =>
        r.fevers.map((f) => [r.siteId, r.siteName, r.date, time(f.ts), f.celsius, r.feverThresholdC]),
      ),
    );
  return table(
    [
      'site_id',
      'site_name',
      'date',
      'peak_occupancy',
      'peak_at_wib',
      'safe_capacity_at_peak',
      'minutes_over_capacity',
      'minutes_critical',
      'minutes_warning',
      'minutes_no_data',
      'minutes_elapsed',
      'alarms_raised',
      'alarms_acknowledged',
      'fever_threshold_c',
      'fever_readings',
      'fever_max_c',
    ],
    report.rows.map((r) => [
      r.siteId,
      r.siteName,
      r.date,
      r.peakOccupancy,
      time(r.peakAt),
      r.safeCapacityAtPeak,
      r.minutesOverCapacity,
      r.minutesCritical,
      r.minutesWarning,
      r.minutesNoData,
      r.minutesElapsed,
      r.alarmsRaised,
      r.alarmsAcknowledged,
      r.feverThresholdC,
      r.feverReadings,
      r.feverMaxC,
    ]),
  );
}
