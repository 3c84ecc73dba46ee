/**
 * Renders the public guide: venues grouped by kind, each with its level (text, shape and colour)
 * and, for a crowded one, the less crowded places of the same kind nearby. Text goes in through
 * textContent only and no inline style is written (the CSP allows 'self' scripts and styles only).
 */
import type { SiteKind } from '../../../shared/registry-schemas.ts';
import type { CrowdLevel } from '../../public-crowd/crowd-level.ts';
import type { PublicVenue } from '../../public-crowd/public-crowd.ts';
import { kindKey, LEVEL_ICONS, levelKey, type PublicLang, pt } from './messages.ts';

/** Sections in this order; a kind with no public venue is left out. */
const KIND_ORDER: SiteKind[] = [
  'market',
  'attraction',
  'mall',
  'public-service',
  'restaurant',
  'hotel',
  'bus',
];

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** `10.42` in WIB (Asia/Jakarta), the way Indonesians write times. */
export function wibTime(iso: string, lang: PublicLang): string {
  return new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', {
    timeZone: 'Asia/Jakarta',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

function badge(level: CrowdLevel, lang: PublicLang, testId: string): HTMLElement {
  return el(
    'span',
    { class: 'level', 'data-level': level, 'data-testid': testId },
    el('span', { class: 'level-icon', 'aria-hidden': 'true' }, LEVEL_ICONS[level]),
    ` ${pt(lang, levelKey(level))}`,
  );
}

function km(distanceM: number, lang: PublicLang): string {
  const value = new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: 1 }).format(
    distanceM / 1000,
  );
  return pt(lang, 'distance', { km: value });
}

function venueItem(venue: PublicVenue, lang: PublicLang): HTMLElement {
  const time = venue.updatedAt
    ? pt(lang, 'venueUpdated', { time: wibTime(venue.updatedAt, lang) })
    : pt(lang, 'venueNoTime');
  const item = el(
    'li',
    { class: 'venue', 'data-testid': `venue-${venue.id}`, 'data-level': venue.level },
    el(
      'div',
      { class: 'venue-head' },
      el('h3', { class: 'venue-name' }, venue.name),
      badge(venue.level, lang, 'venue-level'),
    ),
    el('p', { class: 'venue-time' }, time),
  );
  if (venue.level === 'padat' || venue.level === 'penuh') {
    const box = el('div', { class: 'alternatives', 'data-testid': 'venue-alternatives' });
    if (venue.alternatives.length === 0) box.append(el('p', {}, pt(lang, 'noAlternatives')));
    else
      box.append(
        el('p', { class: 'alternatives-title' }, pt(lang, 'alternatives')),
        el(
          'ul',
          {},
          ...venue.alternatives.map((alt) =>
            el(
              'li',
              { 'data-testid': `alternative-${alt.id}` },
              el('span', { class: 'alt-name' }, alt.name),
              ' ',
              badge(alt.level, lang, 'alternative-level'),
              ' ',
              el('span', { class: 'alt-distance' }, km(alt.distanceM, lang)),
            ),
          ),
        ),
      );
    item.append(box);
  }
  return item;
}

/** Replaces the list's content with the venues, grouped by kind. */
export function renderCrowdList(root: HTMLElement, venues: PublicVenue[], lang: PublicLang): void {
  const sections = KIND_ORDER.map((kind) => ({ kind, items: venues.filter((v) => v.kind === kind) }))
    .filter(({ items }) => items.length > 0)
    .map(({ kind, items }) =>
      el(
        'section',
        { class: 'kind', 'data-testid': `kind-${kind}` },
        el('h2', {}, pt(lang, kindKey(kind))),
        el('ul', { class: 'venues' }, ...items.map((v) => venueItem(v, lang))),
      ),
    );
  root.replaceChildren(...sections);
}
