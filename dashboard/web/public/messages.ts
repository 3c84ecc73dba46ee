/**
 * Every string of the public crowd guide, Bahasa Indonesia first (residents of Batam), English
 * second (tourists, the seed's "Wanderlink" idea). Its own small table, separate from the
 * operator screen's i18n.ts, so the public bundle carries no operator text. `en` is typed
 * against `id`: a key missing in either language is a compile error.
 */
import type { SiteKind } from '../../../shared/registry-schemas.ts';
import type { CrowdLevel } from '../../public-crowd/crowd-level.ts';

export type PublicLang = 'id' | 'en';

const id = {
  title: 'Panduan keramaian Batam',
  tagline:
    'Cek seberapa ramai sebelum berangkat. Hanya tingkat keramaian yang ditampilkan, tanpa jumlah orang.',
  langToggle: 'EN',
  langToggleLabel: 'EN: Switch to English',
  loading: 'Memuat…',
  updated: 'Data per pukul {time} WIB',
  empty: 'Belum ada tempat umum yang dipantau.',
  error: 'Data tidak dapat dimuat. Mencoba lagi dalam 30 detik.',
  tooMany: 'Terlalu banyak permintaan. Mencoba lagi sebentar lagi.',
  venueUpdated: 'diperbarui {time} WIB',
  venueNoTime: 'belum ada data',
  alternatives: 'Lebih sepi di dekatnya:',
  noAlternatives: 'Belum ada alternatif yang lebih sepi di dekatnya.',
  distance: '{km} km',
  legend: 'Arti tingkat',
  'legend.sepi': 'di bawah 50% kapasitas aman',
  'legend.ramai': '50–80%',
  'legend.padat': '80–100%, pertimbangkan tempat lain',
  'legend.penuh': 'kapasitas aman tercapai, hindari dulu',
  'level.sepi': 'Sepi',
  'level.ramai': 'Ramai',
  'level.padat': 'Padat',
  'level.penuh': 'Penuh',
  'level.tutup': 'Tutup',
  'level.tidak-ada-data': 'Tidak ada data',
  'kind.bus': 'Bus',
  'kind.market': 'Pasar',
  'kind.attraction': 'Tempat wisata',
  'kind.mall': 'Mal',
  'kind.hotel': 'Hotel',
  'kind.restaurant': 'Restoran',
  'kind.public-service': 'Layanan publik',
  operators: 'Petugas: masuk ke dasbor',
} as const;

export type PublicKey = keyof typeof id;

const en: Record<PublicKey, string> = {
  title: 'Batam crowd guide',
  tagline: 'Check how busy a place is before you go. Only crowd levels are shown, never head counts.',
  langToggle: 'ID',
  langToggleLabel: 'ID: Ganti ke Bahasa Indonesia',
  loading: 'Loading…',
  updated: 'Data as of {time} WIB',
  empty: 'No public places are monitored yet.',
  error: 'Could not load the data. Trying again in 30 seconds.',
  tooMany: 'Too many requests. Trying again shortly.',
  venueUpdated: 'updated {time} WIB',
  venueNoTime: 'no data yet',
  alternatives: 'Less crowded nearby:',
  noAlternatives: 'No less crowded place nearby right now.',
  distance: '{km} km',
  legend: 'What the levels mean',
  'legend.sepi': 'under 50% of safe capacity',
  'legend.ramai': '50–80%',
  'legend.padat': '80–100%, consider another place',
  'legend.penuh': 'safe capacity reached, avoid for now',
  'level.sepi': 'Quiet',
  'level.ramai': 'Busy',
  'level.padat': 'Crowded',
  'level.penuh': 'Full',
  'level.tutup': 'Closed',
  'level.tidak-ada-data': 'No data',
  'kind.bus': 'Bus',
  'kind.market': 'Markets',
  'kind.attraction': 'Attractions',
  'kind.mall': 'Malls',
  'kind.hotel': 'Hotels',
  'kind.restaurant': 'Restaurants',
  'kind.public-service': 'Public services',
  operators: 'Staff: sign in to the dashboard',
};

const MESSAGES: Record<PublicLang, Record<PublicKey, string>> = { id, en };

/** Shapes that go with each level's text, so a level is never told by colour alone (WCAG 1.4.1). */
export const LEVEL_ICONS: Record<CrowdLevel, string> = {
  sepi: '○',
  ramai: '◐',
  padat: '●',
  penuh: '▲',
  tutup: '✕',
  'tidak-ada-data': '?',
};

/** @example pt('en', 'venueUpdated', { time: '10.42' }) // 'updated 10.42 WIB' */
export function pt(lang: PublicLang, key: PublicKey, params?: Record<string, string>): string {
  const template = MESSAGES[lang][key];
  return params ? template.replace(/\{(\w+)\}/g, (m, name: string) => params[name] ?? m) : template;
}

export const levelKey = (level: CrowdLevel): PublicKey => `level.${level}`;
export const kindKey = (kind: SiteKind): PublicKey => `kind.${kind}`;
