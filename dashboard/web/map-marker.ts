/**
 * One site on the map: a real <button> (click, Enter and Space open the site detail) carrying
 * `data-site-id`, `data-level` and `data-kind`. The level is told three ways, never by colour
 * alone (WCAG 1.4.1): colour, shape (critical a triangle, warning a diamond, ok a circle, unknown
 * a square; styles.css) and the level's icon inside it (▲ ! ✓ ?). A bus also carries its
 * corridor as a label, so a moving bus is told from a venue at a glance. Built once per site and
 * patched only where something changed.
 */
import type { SiteView } from '../../shared/site-state.ts';
import { h, setAttr, setText } from './dom.ts';
import { formatLoad, formatNumber } from './format.ts';
import { kindText, type Lang, LEVEL_ICONS, levelText } from './i18n.ts';
import { type LatLon, project, type WorldPoint } from './map-projection.ts';

export interface MapMarker {
  readonly el: HTMLButtonElement;
  /** Where the site is in world coordinates; undefined when it has no location or position. */
  readonly world: WorldPoint | undefined;
  update(site: SiteView, lang: Lang): void;
}

/**
 * A bus is where its GPS says it is; a venue (or a bus that has not reported a position yet) is
 * at its registered location.
 *
 * @example placeOf({ kind: 'bus', position: { lat: 1.13, lon: 104.05, ts: 0 }, location: null }) // { lat: 1.13, lon: 104.05 }
 */
export function placeOf(site: Pick<SiteView, 'kind' | 'position' | 'location'>): LatLon | undefined {
  if (site.position) return { lat: site.position.lat, lon: site.position.lon };
  return site.location ?? undefined;
}

/** Flagged sites are in the tab order; the rest are reached from the overview list. */
export const isFlagged = (level: SiteView['level']) => level === 'critical' || level === 'warning';

/** A short label next to the marker: the corridor of a bus, the name of a critical venue. */
export function markerLabel(site: SiteView): string {
  if (site.kind === 'bus') return site.route ?? 'BUS';
  return site.level === 'critical' ? site.name : '';
}

export function createMapMarker(site: SiteView, lang: Lang): MapMarker {
  const glyph = h('span', { class: 'marker-glyph' });
  const label = h('span', { class: 'marker-label', 'aria-hidden': 'true' });
  const el = h(
    'button',
    {
      type: 'button',
      class: 'map-marker',
      'data-testid': 'map-marker',
      'data-site-id': site.id,
      'data-kind': site.kind,
    },
    h('span', { class: 'marker-shape', 'aria-hidden': 'true' }, glyph),
    label,
  );
  let last: SiteView | undefined;
  let lastLang: Lang | undefined;
  let world: WorldPoint | undefined;
  let placeKey = '';

  const update = (s: SiteView, l: Lang) => {
    const prev = l === lastLang ? last : undefined;
    last = s;
    lastLang = l;
    const place = placeOf(s);
    const key = place ? `${place.lat},${place.lon}` : '';
    if (key !== placeKey) {
      placeKey = key;
      world = place ? project(place) : undefined;
    }
    if (s.level !== prev?.level) {
      setAttr(el, 'data-level', s.level);
      setText(glyph, LEVEL_ICONS[s.level]);
      el.tabIndex = isFlagged(s.level) ? 0 : -1;
    }
    setText(label, markerLabel(s));
    setAttr(label, 'data-empty', label.textContent ? null : 'true');
    if (
      s.name !== prev?.name ||
      s.level !== prev?.level ||
      s.occupancy !== prev?.occupancy ||
      s.safeCapacity !== prev?.safeCapacity
    ) {
      const occupancy = s.occupancy === null ? '—' : formatNumber(s.occupancy, l);
      const text = `${s.name} (${kindText(l, s.kind)}) · ${levelText(l, s.level)} · ${occupancy} / ${formatNumber(s.safeCapacity, l)} · ${formatLoad(s.load, l, s.occupancy, s.safeCapacity)}`;
      setAttr(el, 'aria-label', text);
      setAttr(el, 'title', text);
    }
  };

  update(site, lang);
  return {
    el,
    get world() {
      return world;
    },
    update,
  };
}
