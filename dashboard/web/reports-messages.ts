/**
 * Strings of the compliance-report entry (issue #7 item 4), Bahasa Indonesia first. Merged into
 * i18n.ts; `en` is typed against `id`, so a key missing in either language is a compile error.
 * The report itself is a server-rendered page (dashboard/reports/report-page.ts) in both languages.
 */
export const reportMessagesId = {
  'nav.reports': 'Laporan',
  'nav.reportsTitle': 'Laporan kepatuhan harian (cetak / CSV)',
} as const;

export type ReportMessageKey = keyof typeof reportMessagesId;

export const reportMessagesEn: Record<ReportMessageKey, string> = {
  'nav.reports': 'Reports',
  'nav.reportsTitle': 'Daily compliance report (print / CSV)',
};
