/**
 * The printable compliance report (`GET /reports/compliance`): server-rendered HTML, Bahasa
 * Indonesia first with English beneath, a Dishub header, per-site daily tables, alarm lists and
 * totals. No script and no inline style (the dashboard's CSP allows neither): the date-range form
 * is a plain GET form and the print layout comes from report.css (`@media print`). Every value
 * from a person or a device is HTML-escaped.
 */
import { alarmMessagesEn, alarmMessagesId } from '../web/messages-alarms.ts';
import type { AlarmRow } from './compliance.ts';
import type { ComplianceReport, ReportTotals, SiteDayRow } from './report-data.ts';
import { wibDateTime, wibTime } from './report-days.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** @example escapeHtml('<b>"x"</b>') // '&lt;b&gt;&quot;x&quot;&lt;/b&gt;' */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const bi = (id: string, en: string) => `${escapeHtml(id)}<span class="en">${escapeHtml(en)}</span>`;
const num = (n: number | null, digits = 0) =>
  n === null
    ? '–'
    : n.toLocaleString('id-ID', {
        minimumFractionDigits: digits,
        maximumFractionDigits: Math.max(digits, 1),
      });
const minutes = (n: number) => num(n, 0);
const celsius = (n: number | null) => (n === null ? '–' : `${n.toFixed(1).replace('.', ',')} °C`);

export interface ReportPageOptions {
  report: ComplianceReport | undefined;
  /** Sites offered in the form (those the user may see). */
  choices: Array<{ id: string; name: string }>;
  query: { from: string; to: string; site?: string | undefined };
  user: string;
  /** Shown instead of the report (a bad range). */
  error?: string | undefined;
}

const DAY_HEAD = [
  bi('Tanggal', 'Date'),
  bi('Puncak', 'Peak'),
  bi('Jam puncak', 'Peak time'),
  bi('Kapasitas aman', 'Safe capacity'),
  bi('Menit di atas kapasitas', 'Minutes over capacity'),
  bi('Menit kritis', 'Minutes critical'),
  bi('Menit waspada', 'Minutes warning'),
  bi('Menit tanpa data', 'Minutes without data'),
  bi('Alarm (diakui)', 'Alarms (acknowledged)'),
  bi('Demam', 'Fever readings'),
  bi('Suhu tertinggi', 'Highest fever'),
];

function dayRow(r: SiteDayRow): string {
  const cells = [
    escapeHtml(r.date),
    num(r.peakOccupancy),
    r.peakAt === null ? '–' : wibTime(r.peakAt),
    num(r.safeCapacityAtPeak),
    minutes(r.minutesOverCapacity),
    minutes(r.minutesCritical),
    minutes(r.minutesWarning),
    minutes(r.minutesNoData),
    `${r.alarmsRaised} (${r.alarmsAcknowledged})`,
    String(r.feverReadings),
    celsius(r.feverMaxC),
  ];
  const over = r.minutesOverCapacity > 0 ? ' class="over"' : '';
  return `<tr${over} data-testid="report-day" data-date="${escapeHtml(r.date)}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function totalsRow(t: ReportTotals, label: string): string {
  const cells = [
    label,
    num(t.peakOccupancy),
    t.peakAt === null ? '–' : escapeHtml(wibDateTime(t.peakAt)),
    '',
    minutes(t.minutesOverCapacity),
    minutes(t.minutesCritical),
    minutes(t.minutesWarning),
    minutes(t.minutesNoData),
    `${t.alarmsRaised} (${t.alarmsAcknowledged})`,
    String(t.feverReadings),
    celsius(t.feverMaxC),
  ];
  return `<tr data-testid="report-total">${cells.map((c) => `<th scope="row">${c}</th>`).join('')}</tr>`;
}

/** The operators' own words for alarm types and severities, as the dashboard shows them (ID / EN). */
const alarmLabel = (key: `alarm.type.${string}` | `alarm.severity.${string}`, fallback: string): string => {
  const id = (alarmMessagesId as Record<string, string>)[key];
  const en = (alarmMessagesEn as Record<string, string>)[key];
  return id && en ? `${id} / ${en}` : fallback;
};

function alarmTable(alarms: AlarmRow[]): string {
  if (!alarms.length) return `<p class="none">${bi('Tidak ada alarm.', 'No alarms.')}</p>`;
  const when = (ms: number | null, by: string | null) =>
    ms === null ? '–' : `${escapeHtml(wibDateTime(ms))}${by ? ` · ${escapeHtml(by)}` : ''}`;
  const rows = alarms.map(
    (a) =>
      `<tr data-testid="report-alarm"><td>${escapeHtml(alarmLabel(`alarm.type.${a.type}`, a.type))}</td><td>${alarmLabel(`alarm.severity.${a.severity}`, a.severity)}</td>` +
      `<td>${when(a.raisedAt, null)}</td><td>${when(a.acknowledgedAt, a.acknowledgedBy)}</td>` +
      `<td>${when(a.clearedAt, a.clearedBy)}</td></tr>`,
  );
  return (
    `<table class="alarms"><thead><tr><th>${bi('Jenis', 'Type')}</th><th>${bi('Tingkat', 'Severity')}</th>` +
    `<th>${bi('Muncul', 'Raised')}</th><th>${bi('Diakui (oleh)', 'Acknowledged (by)')}</th>` +
    `<th>${bi('Selesai (oleh)', 'Cleared (by)')}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function siteSection(report: ComplianceReport, index: number): string {
  const site = report.sites[index]!;
  const rows = report.rows.filter((r) => r.siteId === site.id);
  const totals = report.totals[index]!;
  const alarms = report.alarms.filter((a) => a.siteId === site.id);
  return (
    `<section class="site" data-testid="report-site" data-site="${escapeHtml(site.id)}">` +
    `<h2>${escapeHtml(site.name)} <small>${escapeHtml(site.id)}</small></h2>` +
    `<table class="days"><thead><tr>${DAY_HEAD.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map(dayRow).join('')}</tbody><tfoot>${totalsRow(totals, bi('Jumlah', 'Total'))}</tfoot></table>` +
    `<h3>${bi('Alarm', 'Alarms')}</h3>${alarmTable(alarms)}</section>`
  );
}

function form(o: ReportPageOptions): string {
  const options = [`<option value="">${escapeHtml('Semua lokasi / All sites')}</option>`]
    .concat(
      o.choices.map(
        (s) =>
          `<option value="${escapeHtml(s.id)}"${s.id === o.query.site ? ' selected' : ''}>${escapeHtml(s.name)}</option>`,
      ),
    )
    .join('');
  const params = new URLSearchParams({ from: o.query.from, to: o.query.to });
  if (o.query.site) params.set('site', o.query.site);
  const csv = (sheet: string) => escapeHtml(`/api/reports/compliance?${params}&format=csv&sheet=${sheet}`);
  return (
    `<form class="no-print" method="get" action="/reports/compliance" data-testid="report-form">` +
    `<label>Dari / From <input type="date" name="from" value="${escapeHtml(o.query.from)}" required></label>` +
    `<label>Sampai / To <input type="date" name="to" value="${escapeHtml(o.query.to)}" required></label>` +
    `<label>Lokasi / Site <select name="site">${options}</select></label>` +
    `<button type="submit">Tampilkan / Show</button></form>` +
    `<p class="no-print links"><a href="${csv('days')}" download>CSV harian / daily</a> · ` +
    `<a href="${csv('alarms')}" download>CSV alarm / alarms</a> · <a href="${csv('fever')}" download>CSV demam / fever</a> · ` +
    `<a href="/">Kembali ke dasbor / Back to the dashboard</a> · Cetak: Ctrl+P / Print: Ctrl+P</p>`
  );
}

/** @example c.html(reportPage({ report, choices, query: { from, to }, user: 'admin' })) */
export function reportPage(o: ReportPageOptions): string {
  const r = o.report;
  const period = r ? `${r.from} – ${r.to}` : `${o.query.from} – ${o.query.to}`;
  const body = o.error
    ? `<p class="error" role="alert" data-testid="report-error">${escapeHtml(o.error)}</p>`
    : r?.sites.length
      ? r.sites.map((_, i) => siteSection(r, i)).join('') +
        `<section class="grand"><h2>${bi('Jumlah seluruh lokasi', 'Total, all sites')}</h2><table class="days">` +
        `<thead><tr>${DAY_HEAD.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>` +
        `<tfoot>${totalsRow(r.total, bi('Jumlah', 'Total'))}</tfoot></table></section>`
      : `<p class="none">${bi('Tidak ada lokasi untuk dilaporkan.', 'No sites to report.')}</p>`;
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Laporan Kepatuhan Kapasitas ${escapeHtml(period)}</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/reports/report.css"></head>
<body><header class="report-head">
<p class="agency">Pemerintah Kota Batam · Dinas Perhubungan<span class="en">City of Batam · Transport Department (Dishub)</span></p>
<h1>${bi('Laporan Kepatuhan Kapasitas Harian', 'Daily capacity compliance report')}</h1>
<p class="period" data-testid="report-period">Periode / Period: ${escapeHtml(period)} (WIB, UTC+7)</p>
<p class="meta">Dibuat / Generated: ${escapeHtml(wibDateTime(r?.generatedAt ?? Date.now()))} WIB · ${escapeHtml(o.user)}</p>
</header>
${form(o)}
<main>${body}</main>
<footer><p>${bi(
    'Menit dihitung dari status lokasi berbobot waktu; "tanpa data" = tidak ada perangkat yang melapor. Demam = suhu tubuh ≥ ambang lokasi.',
    'Minutes are time-weighted from the site state; "without data" = no device reported. Fever = body temperature ≥ the site threshold.',
  )}</p></footer>
</body></html>`;
}

/** The report's stylesheet, served at `/reports/report.css` (the CSP forbids inline styles). */
export const REPORT_CSS = `
:root { font-family: system-ui, sans-serif; color: #111; }
body { margin: 1.5rem; }
.en { display: block; font-size: .8em; font-weight: normal; color: #555; }
h1 { margin: .2rem 0; font-size: 1.5rem; }
h2 { margin-top: 2rem; font-size: 1.2rem; border-bottom: 2px solid #0b4f8a; }
h2 small { color: #555; font-weight: normal; }
.agency { font-weight: bold; color: #0b4f8a; margin: 0; }
.report-head { border-bottom: 3px double #0b4f8a; padding-bottom: .5rem; }
form { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin: 1rem 0; }
form label { display: flex; flex-direction: column; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .85rem; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child, table.alarms td, table.alarms th { text-align: left; }
td:first-child { white-space: nowrap; }
thead th { background: #e8eef5; }
tfoot th { background: #f3f3f3; }
tr.over td { background: #fde8e8; }
.error { color: #a00; font-weight: bold; }
.none { color: #555; font-style: italic; }
footer { margin-top: 2rem; font-size: .8rem; color: #555; }
@media print {
  .no-print { display: none !important; }
  body { margin: 0; }
  section.site { break-inside: avoid-page; }
  section.site + section.site { break-before: page; }
  thead { display: table-header-group; }
  tr.over td { background: none; font-weight: bold; }
  a { color: inherit; text-decoration: none; }
  @page { size: A4 landscape; margin: 12mm; }
}
`;
