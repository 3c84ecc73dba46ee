/**
 * Every string the operator screen shows, Bahasa Indonesia first (the operators are Dishub and
 * venue staff in Batam), English second. `en` is typed against `id`, so a key missing in either
 * language is a compile error; i18n.test.ts checks placeholders match too.
 *
 * Placeholders are `{name}`; `t('age.seconds', { n: 12 })` -> `12 dtk lalu`.
 */
import type { AlarmState, AlarmType, Severity } from '../../shared/alarms.ts';
import type { Level, SiteKind } from '../../shared/registry-schemas.ts';
import { adminMessagesEn, adminMessagesId } from './messages-admin.ts';
import { alarmSettingsMessagesEn, alarmSettingsMessagesId } from './messages-alarm-settings.ts';
import { alarmMessagesEn, alarmMessagesId } from './messages-alarms.ts';
import { mapMessagesEn, mapMessagesId } from './messages-map.ts';
import { reportMessagesEn, reportMessagesId } from './reports-messages.ts';

export const LANGS = ['id', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const baseId = {
  'app.name': 'jagajarak',
  'app.tagline': 'Pantau keramaian dan kapasitas aman',
  'skip.main': 'Langsung ke isi',
  'lang.toggle': 'EN',
  'lang.toggleLabel': 'EN: Switch to English',
  'login.title': 'Masuk',
  'login.username': 'Nama pengguna',
  'login.password': 'Kata sandi',
  'login.submit': 'Masuk',
  'login.busy': 'Memeriksa…',
  'login.invalid': 'Nama pengguna atau kata sandi salah.',
  'login.tooMany': 'Terlalu banyak percobaan. Coba lagi sebentar lagi.',
  'login.network': 'Server tidak dapat dihubungi. Periksa koneksi lalu coba lagi.',
  'login.failed': 'Gagal masuk ({status}).',
  'login.expired': 'Sesi berakhir. Silakan masuk lagi.',
  'header.user': '{user} ({role})',
  'header.logout': 'Keluar',
  'header.policy': 'Kebijakan kota: {policy}',
  'header.memoryStore': 'Riwayat disimpan di memori (tanpa InfluxDB)',
  'conn.connecting': 'menghubungkan…',
  'conn.connected': 'terhubung',
  'conn.disconnected': 'terputus',
  'conn.reconnecting': 'menyambung ulang…',
  'conn.label': 'Status koneksi: {state}',
  'counts.label': 'Ringkasan tingkat keramaian',
  'counts.filterHint': 'Tampilkan hanya: {level}',
  'filter.search': 'Cari lokasi',
  'filter.searchPlaceholder': 'Nama atau ID',
  'filter.kind': 'Jenis',
  'filter.level': 'Tingkat',
  'filter.all': 'Semua',
  'list.title': 'Semua lokasi',
  'list.summary': 'Menampilkan {shown} dari {total} lokasi',
  'list.empty': 'Tidak ada lokasi yang cocok.',
  'list.loading': 'Memuat lokasi…',
  'col.site': 'Lokasi',
  'col.kind': 'Jenis',
  'col.occupancy': 'Isi / kapasitas aman',
  'col.load': 'Beban',
  'col.level': 'Tingkat',
  'col.age': 'Data terakhir',
  'level.ok': 'AMAN',
  'level.warning': 'WASPADA',
  'level.critical': 'KRITIS',
  'level.unknown': 'TIDAK DIKETAHUI',
  'kind.bus': 'bus',
  'kind.market': 'pasar',
  'kind.attraction': 'tempat wisata',
  'kind.mall': 'mal',
  'kind.hotel': 'hotel',
  'kind.restaurant': 'restoran',
  'kind.public-service': 'layanan publik',
  'age.none': 'belum ada data',
  'age.now': 'baru saja',
  'age.seconds': '{n} dtk lalu',
  'age.minutes': '{n} mnt lalu',
  'age.hours': '{n} jam lalu',
  'age.days': '{n} hr lalu',
  'stale.badge': 'usang',
  'stale.title': 'Tidak ada data lebih dari 2 menit',
  'load.closed': 'ditutup',
  'detail.close': 'Tutup',
  'detail.closeLabel': 'Tutup detail {name}',
  'detail.occupancy': 'Isi saat ini',
  'detail.safeCapacity': 'Kapasitas aman',
  'detail.designCapacity': 'Kapasitas desain',
  'detail.load': 'Beban',
  'detail.updated': 'Data terakhir',
  'detail.route': 'Koridor',
  'detail.bodyTemp': 'Suhu tubuh',
  'detail.ambientTemp': 'Suhu ruangan',
  'detail.position': 'Posisi bus',
  'detail.positionValue': '{lat}; {lon}',
  'detail.speed': '{speed} km/j',
  'detail.heading': 'arah {heading}°',
  'detail.devices': 'Perangkat',
  'detail.deviceOnline': 'daring',
  'detail.deviceOffline': 'luring',
  'detail.noDevices': 'Belum ada perangkat terdaftar.',
  'detail.none': '—',
  'detail.notFound': 'Lokasi ini tidak lagi tersedia.',
  'chart.title': 'Isi (puncak per interval) dan kapasitas aman',
  'chart.range': 'Rentang waktu',
  'chart.range.1h': '1 j',
  'chart.range.24h': '24 j',
  'chart.range.7d': '7 h',
  'chart.range.1h.label': '1 jam terakhir',
  'chart.range.24h.label': '24 jam terakhir',
  'chart.range.7d.label': '7 hari terakhir',
  'chart.occupancy': 'Isi (puncak)',
  'chart.safeCapacity': 'Kapasitas aman',
  'chart.forecast': 'Perkiraan',
  'chart.loading': 'Memuat riwayat…',
  'chart.error': 'Riwayat tidak dapat dimuat.',
  'chart.empty': 'Belum ada riwayat untuk rentang ini.',
  'chart.summary': '{range}: puncak {peak} orang, kapasitas aman {cap}.',
  'chart.time': 'Waktu (WIB)',
  'error.generic': 'Terjadi kesalahan. Coba lagi.',
} as const;

const id = {
  ...baseId,
  ...alarmMessagesId,
  ...adminMessagesId,
  ...mapMessagesId,
  ...reportMessagesId,
  ...alarmSettingsMessagesId,
};

export type MessageKey = keyof typeof id;

const baseEn: Record<keyof typeof baseId, string> = {
  'app.name': 'jagajarak',
  'app.tagline': 'Crowd and safe capacity monitor',
  'skip.main': 'Skip to content',
  'lang.toggle': 'ID',
  'lang.toggleLabel': 'ID: Ganti ke Bahasa Indonesia',
  'login.title': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Checking…',
  'login.invalid': 'Wrong username or password.',
  'login.tooMany': 'Too many attempts. Try again shortly.',
  'login.network': 'Cannot reach the server. Check the connection and try again.',
  'login.failed': 'Sign-in failed ({status}).',
  'login.expired': 'Your session ended. Please sign in again.',
  'header.user': '{user} ({role})',
  'header.logout': 'Sign out',
  'header.policy': 'City policy: {policy}',
  'header.memoryStore': 'History is kept in memory (no InfluxDB)',
  'conn.connecting': 'connecting…',
  'conn.connected': 'connected',
  'conn.disconnected': 'disconnected',
  'conn.reconnecting': 'reconnecting…',
  'conn.label': 'Connection: {state}',
  'counts.label': 'Crowd level summary',
  'counts.filterHint': 'Show only: {level}',
  'filter.search': 'Search sites',
  'filter.searchPlaceholder': 'Name or ID',
  'filter.kind': 'Kind',
  'filter.level': 'Level',
  'filter.all': 'All',
  'list.title': 'All sites',
  'list.summary': 'Showing {shown} of {total} sites',
  'list.empty': 'No sites match.',
  'list.loading': 'Loading sites…',
  'col.site': 'Site',
  'col.kind': 'Kind',
  'col.occupancy': 'Occupancy / safe capacity',
  'col.load': 'Load',
  'col.level': 'Level',
  'col.age': 'Last reading',
  'level.ok': 'OK',
  'level.warning': 'WARNING',
  'level.critical': 'CRITICAL',
  'level.unknown': 'UNKNOWN',
  'kind.bus': 'bus',
  'kind.market': 'market',
  'kind.attraction': 'attraction',
  'kind.mall': 'mall',
  'kind.hotel': 'hotel',
  'kind.restaurant': 'restaurant',
  'kind.public-service': 'public service',
  'age.none': 'no data yet',
  'age.now': 'just now',
  'age.seconds': '{n} s ago',
  'age.minutes': '{n} min ago',
  'age.hours': '{n} h ago',
  'age.days': '{n} d ago',
  'stale.badge': 'stale',
  'stale.title': 'No reading for more than 2 minutes',
  'load.closed': 'closed',
  'detail.close': 'Close',
  'detail.closeLabel': 'Close details of {name}',
  'detail.occupancy': 'Occupancy now',
  'detail.safeCapacity': 'Safe capacity',
  'detail.designCapacity': 'Design capacity',
  'detail.load': 'Load',
  'detail.updated': 'Last reading',
  'detail.route': 'Corridor',
  'detail.bodyTemp': 'Body temperature',
  'detail.ambientTemp': 'Room temperature',
  'detail.position': 'Bus position',
  'detail.positionValue': '{lat}, {lon}',
  'detail.speed': '{speed} km/h',
  'detail.heading': 'heading {heading}°',
  'detail.devices': 'Devices',
  'detail.deviceOnline': 'online',
  'detail.deviceOffline': 'offline',
  'detail.noDevices': 'No devices registered yet.',
  'detail.none': '—',
  'detail.notFound': 'This site is no longer available.',
  'chart.title': 'Occupancy (peak per interval) and safe capacity',
  'chart.range': 'Time range',
  'chart.range.1h': '1 h',
  'chart.range.24h': '24 h',
  'chart.range.7d': '7 d',
  'chart.range.1h.label': 'last hour',
  'chart.range.24h.label': 'last 24 hours',
  'chart.range.7d.label': 'last 7 days',
  'chart.occupancy': 'Occupancy (peak)',
  'chart.safeCapacity': 'Safe capacity',
  'chart.forecast': 'Forecast',
  'chart.loading': 'Loading history…',
  'chart.error': 'History could not be loaded.',
  'chart.empty': 'No history for this range yet.',
  'chart.summary': '{range}: peak {peak} people, safe capacity {cap}.',
  'chart.time': 'Time (WIB)',
  'error.generic': 'Something went wrong. Try again.',
};

const en: Record<MessageKey, string> = {
  ...baseEn,
  ...alarmMessagesEn,
  ...adminMessagesEn,
  ...mapMessagesEn,
  ...reportMessagesEn,
  ...alarmSettingsMessagesEn,
};

export const MESSAGES: Record<Lang, Record<MessageKey, string>> = { id, en };

/** Icons that go with each level's text, so the level is never told by colour alone (WCAG 1.4.1). */
export const LEVEL_ICONS: Record<Level, string> = { critical: '▲', warning: '!', ok: '✓', unknown: '?' };

export const DEFAULT_LANG: Lang = 'id';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/**
 * Looks a message up and fills its `{placeholders}`; unknown placeholders stay visible so a
 * missing parameter shows up in review rather than as an empty string.
 *
 * @example translate('id', 'age.seconds', { n: 12 }) // '12 dtk lalu'
 */
/**
 * A message with its `{name}` placeholders filled; `{name|one|other}` picks a word by whether the
 * parameter is 1 (English plurals: `{n} open {n|alarm|alarms}`; Bahasa needs none). A number
 * parameter may come formatted (`1.234`).
 *
 * @example translate('en', 'nav.alarmCount', { n: 1 }) // '1 open alarm'
 */
export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const template = MESSAGES[lang][key];
  if (!params) return template;
  return template.replace(
    /\{(\w+)(?:\|([^|}]*)\|([^}]*))?\}/g,
    (match, name: string, one?: string, other?: string) => {
      if (!(name in params)) return match;
      const value = String(params[name]);
      if (one === undefined) return value;
      return Number(value.replace(/[.,\s]/g, '')) === 1 ? one : (other ?? '');
    },
  );
}

/** `KRITIS ▲`, `WARNING !`: the level as text plus icon. */
export function levelText(lang: Lang, level: Level): string {
  return `${translate(lang, `level.${level}`)} ${LEVEL_ICONS[level]}`;
}

export function kindText(lang: Lang, kind: SiteKind): string {
  return translate(lang, `kind.${kind}`);
}

/** Icons of alarm severities: the same as the matching site levels. */
export const SEVERITY_ICONS: Record<Severity, string> = {
  critical: LEVEL_ICONS.critical,
  warning: LEVEL_ICONS.warning,
};

/** `KRITIS ▲`, `WARNING !`: an alarm's severity as text plus icon. */
export function severityText(lang: Lang, severity: Severity): string {
  return `${translate(lang, `alarm.severity.${severity}`)} ${SEVERITY_ICONS[severity]}`;
}

/** `kapasitas`, `demam`, `perangkat offline`, `gangguan sensor`. */
export function alarmTypeText(lang: Lang, type: AlarmType): string {
  return translate(lang, `alarm.type.${type}`);
}

/** `terbuka`, `diakui`, `selesai`. */
export function alarmStateText(lang: Lang, state: AlarmState): string {
  return translate(lang, `alarm.state.${state}`);
}

/** The other language, the one the toggle switches to. */
export function otherLang(lang: Lang): Lang {
  return lang === 'id' ? 'en' : 'id';
}
