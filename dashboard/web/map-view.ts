/**
 * The map view (`#/map`): every site at its registered location and every bus at its live GPS
 * position, coloured by level AND shaped and labelled (map-marker.ts), fed by the same site
 * store as the overview. Works with no internet: the base layer is our own schematic outline of
 * Batam, Rempang and Galang (batam-outline.ts) drawn as SVG in Web Mercator; OpenStreetMap tiles
 * are an option the operator switches on (map-tiles.ts).
 *
 * No map library: a Leaflet marker per site would be 5,000 DOM nodes re-positioned on every
 * pan, and Leaflet needs its own stylesheet served beside ours. Here markers are placed once per
 * zoom level; a pan moves one layer (one CSS transform), and while the view is hidden updates
 * only mark it for a resync when it is shown again.
 *
 * Pointer: drag to pan (mouse, pen, one finger), wheel or two fingers to zoom, double-click to
 * zoom in. Keyboard (map focused): arrows pan, + and - zoom, 0 shows everything; flagged
 * markers are in the tab order and open the site with Enter.
 */
import type { SiteView } from '../../shared/site-state.ts';
import { BATAM_OUTLINE, ISLAND_LABELS, outlineBounds } from './batam-outline.ts';
import { byTestId, h, setText } from './dom.ts';
import { formatNumber } from './format.ts';
import { getLang, onLangChange, t } from './locale.ts';
import { createMapMarker, type MapMarker, placeOf } from './map-marker.ts';
import {
  type Bounds,
  fitBounds,
  type MapViewState,
  panBy,
  project,
  type Size,
  toScreen,
  viewBox,
  visibleTiles,
  type WorldPoint,
  zoomAround,
} from './map-projection.ts';
import { createTileLayer } from './map-tiles.ts';
import type { SiteStore } from './site-store.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** A pointer that moved less than this between down and up clicked; more, it dragged. */
const DRAG_THRESHOLD_PX = 5;
const KEY_PAN_PX = 100;

export interface SiteMapOptions {
  store: SiteStore;
  onOpenSite(siteId: string): void;
  schedule(callback: () => void): void;
}

export interface SiteMap {
  show(): void;
  hide(): void;
  destroy(): void;
}

function pathData(positions: ReadonlyArray<readonly [number, number]>, close: boolean): string {
  const parts = positions.map(([lon, lat], i) => {
    const { x, y } = project({ lat, lon });
    return `${i === 0 ? 'M' : 'L'}${x.toFixed(5)} ${y.toFixed(5)}`;
  });
  return parts.join('') + (close ? 'Z' : '');
}

/** Draws the schematic outline once; the SVG's viewBox then does all panning and zooming. */
function drawOutline(svg: SVGSVGElement): void {
  for (const feature of BATAM_OUTLINE.features) {
    const path = document.createElementNS(SVG_NS, 'path');
    if (feature.geometry.type === 'Polygon') {
      path.setAttribute('d', feature.geometry.coordinates.map((r) => pathData(r, true)).join(''));
      path.setAttribute('class', 'map-island');
    } else {
      path.setAttribute('d', pathData(feature.geometry.coordinates, false));
      path.setAttribute('class', 'map-bridge');
    }
    path.setAttribute('data-name', feature.properties.name);
    svg.append(path);
  }
}

/** @example const map = createSiteMap({ store, onOpenSite: (id) => go({ view: 'overview', siteId: id }), schedule: raf }); */
export function createSiteMap(options: SiteMapOptions): SiteMap {
  const { store, onOpenSite, schedule } = options;
  const canvas = byTestId('map');
  const base = byTestId('map-base') as unknown as SVGSVGElement;
  const overlay = byTestId('map-overlay');
  const markerLayer = byTestId('map-markers');
  const labelLayer = byTestId('map-labels');
  const online = byTestId<HTMLInputElement>('map-online');
  const attribution = byTestId('map-attribution');
  const status = byTestId('map-status');
  const unplaced = byTestId('map-unplaced');
  const buttons = {
    zoomIn: byTestId<HTMLButtonElement>('map-zoom-in'),
    zoomOut: byTestId<HTMLButtonElement>('map-zoom-out'),
    fit: byTestId<HTMLButtonElement>('map-fit'),
  };

  const markers = new Map<string, MapMarker>();
  const labels = ISLAND_LABELS.map((l) => ({
    el: h('span', { class: 'map-island-label' }, l.name),
    world: project(l),
  }));
  const tiles = createTileLayer(byTestId('map-tiles'), () => {
    setText(status, t('map.tilesFailed'));
    status.hidden = false;
  });
  let visible = false;
  let needsSync = true;
  let view: MapViewState | undefined;
  /** The view the markers were last placed for; a pan only moves the overlay relative to it. */
  let origin: MapViewState | undefined;
  let size: Size = { width: 0, height: 0 };
  let framePending = false;

  if (base.childElementCount === 0) drawOutline(base);
  labelLayer.replaceChildren(...labels.map((l) => l.el));

  const place = (el: HTMLElement, world: WorldPoint | undefined) => {
    if (!origin || !world) {
      el.hidden = true;
      return;
    }
    const { left, top } = toScreen(origin, size, world);
    el.hidden = false;
    // CSSOM, not a style attribute in markup: allowed under the 'self'-only style-src CSP.
    el.style.transform = `translate(${left.toFixed(1)}px, ${top.toFixed(1)}px)`;
  };

  const render = () => {
    framePending = false;
    if (!visible || !view || size.width === 0) return;
    base.setAttribute('viewBox', viewBox(view, size));
    if (!origin || origin.zoom !== view.zoom) {
      origin = view;
      overlay.style.transform = '';
      for (const marker of markers.values()) place(marker.el, marker.world);
      for (const label of labels) place(label.el, label.world);
    } else {
      const scale = 2 ** view.zoom;
      const dx = (origin.center.x - view.center.x) * scale;
      const dy = (origin.center.y - view.center.y) * scale;
      overlay.style.transform = `translate(${dx.toFixed(1)}px, ${dy.toFixed(1)}px)`;
    }
    if (online.checked) tiles.render(visibleTiles(view, size));
  };
  const requestRender = () => {
    if (framePending) return;
    framePending = true;
    schedule(render);
  };
  const setView = (next: MapViewState) => {
    view = next;
    requestRender();
  };

  const measure = () => {
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === size.width && height === size.height) return;
    size = { width, height };
    origin = undefined;
  };

  const fitAll = () => {
    measure();
    if (size.width === 0) return;
    const b: Bounds = outlineBounds();
    for (const site of store.sites.values()) {
      const p = placeOf(site);
      if (!p) continue;
      b.south = Math.min(b.south, p.lat);
      b.north = Math.max(b.north, p.lat);
      b.west = Math.min(b.west, p.lon);
      b.east = Math.max(b.east, p.lon);
    }
    setView(fitBounds(b, size));
    origin = undefined;
  };

  const upsert = (site: SiteView, lang: ReturnType<typeof getLang>) => {
    let marker = markers.get(site.id);
    const before = marker?.world;
    if (marker) marker.update(site, lang);
    else {
      marker = createMapMarker(site, lang);
      markers.set(site.id, marker);
      markerLayer.append(marker.el);
    }
    if (!before || marker.world !== before || marker.el.hidden) place(marker.el, marker.world);
  };

  const renderUnplaced = () => {
    let n = 0;
    for (const site of store.sites.values()) if (!placeOf(site)) n++;
    unplaced.hidden = n === 0;
    if (n > 0) setText(unplaced, t('map.unplaced', { n: formatNumber(n, getLang()) }));
  };

  const syncAll = () => {
    needsSync = false;
    const lang = getLang();
    for (const [id, marker] of markers) {
      if (store.get(id)) continue;
      marker.el.remove();
      markers.delete(id);
    }
    for (const site of store.sites.values()) upsert(site, lang);
    renderUnplaced();
  };

  const unsubscribe = store.subscribe((changes) => {
    if (!visible) {
      needsSync = true;
      return;
    }
    if (changes.reset) {
      syncAll();
      return;
    }
    const lang = getLang();
    for (const id of changes.removed) {
      markers.get(id)?.el.remove();
      markers.delete(id);
    }
    for (const id of changes.changed) {
      const site = store.get(id);
      if (site) upsert(site, lang);
    }
    if (changes.removed.size > 0 || changes.changed.size > 0) renderUnplaced();
  });

  // Pointer: pan with one pointer, pinch with two. Capture starts only once a drag is certain,
  // so a plain click still reaches the marker under the pointer.
  const pointers = new Map<number, { x: number; y: number }>();
  let travelled = 0;
  let dragged = false;
  const local = (e: { clientX: number; clientY: number }) => {
    const rect = canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };
  const onPointerDown = (e: PointerEvent) => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    pointers.set(e.pointerId, local(e));
    if (pointers.size === 1) {
      travelled = 0;
      dragged = false;
    }
  };
  const onPointerMove = (e: PointerEvent) => {
    const before = pointers.get(e.pointerId);
    if (!before || !view) return;
    const now = local(e);
    if (pointers.size === 1) {
      travelled += Math.abs(now.x - before.x) + Math.abs(now.y - before.y);
      if (!dragged && travelled > DRAG_THRESHOLD_PX) {
        dragged = true;
        canvas.setPointerCapture(e.pointerId);
        canvas.classList.add('dragging');
      }
      if (dragged) setView(panBy(view, now.x - before.x, now.y - before.y));
    } else if (pointers.size === 2) {
      const other = [...pointers.entries()].find(([id]) => id !== e.pointerId)?.[1];
      if (other) {
        const distBefore = Math.hypot(before.x - other.x, before.y - other.y);
        const distNow = Math.hypot(now.x - other.x, now.y - other.y);
        if (distBefore > 0 && distNow > 0) {
          dragged = true;
          const mid = { x: (now.x + other.x) / 2, y: (now.y + other.y) / 2 };
          setView(zoomAround(view, size, mid.x, mid.y, view.zoom + Math.log2(distNow / distBefore)));
        }
      }
    }
    pointers.set(e.pointerId, now);
  };
  const onPointerUp = (e: PointerEvent) => {
    pointers.delete(e.pointerId);
    if (pointers.size === 0) canvas.classList.remove('dragging');
  };
  const onClick = (e: MouseEvent) => {
    if (dragged) {
      dragged = false;
      return;
    }
    const marker = (e.target as Element).closest<HTMLElement>('.map-marker');
    if (marker?.dataset.siteId) onOpenSite(marker.dataset.siteId);
  };
  const onWheel = (e: WheelEvent) => {
    if (!view) return;
    e.preventDefault();
    const p = local(e);
    const delta = Math.max(-1, Math.min(1, -e.deltaY / 200));
    setView(zoomAround(view, size, p.x, p.y, view.zoom + delta));
  };
  const onDoubleClick = (e: MouseEvent) => {
    if (!view || (e.target as Element).closest('.map-marker')) return;
    const p = local(e);
    setView(zoomAround(view, size, p.x, p.y, view.zoom + 1));
  };
  const zoomBy = (delta: number) => {
    if (view) setView(zoomAround(view, size, size.width / 2, size.height / 2, Math.round(view.zoom) + delta));
  };
  const onKey = (e: KeyboardEvent) => {
    if (!view || e.altKey || e.ctrlKey || e.metaKey) return;
    const pans: Record<string, [number, number]> = {
      ArrowLeft: [KEY_PAN_PX, 0],
      ArrowRight: [-KEY_PAN_PX, 0],
      ArrowUp: [0, KEY_PAN_PX],
      ArrowDown: [0, -KEY_PAN_PX],
    };
    const pan = pans[e.key];
    if (pan) setView(panBy(view, pan[0], pan[1]));
    else if (e.key === '+' || e.key === '=') zoomBy(1);
    else if (e.key === '-') zoomBy(-1);
    else if (e.key === '0') fitAll();
    else return;
    e.preventDefault();
  };
  const onOnline = () => {
    attribution.hidden = !online.checked;
    canvas.classList.toggle('online', online.checked);
    status.hidden = true;
    if (online.checked) requestRender();
    else tiles.clear();
  };
  const onZoomIn = () => zoomBy(1);
  const onZoomOut = () => zoomBy(-1);
  const resize = new ResizeObserver(() => {
    if (!visible) return;
    const hadSize = size.width > 0;
    measure();
    if (!hadSize || !view) fitAll();
    requestRender();
  });

  // One signal removes every listener in destroy().
  const listening = new AbortController();
  const { signal } = listening;
  canvas.addEventListener('pointerdown', onPointerDown, { signal });
  canvas.addEventListener('pointermove', onPointerMove, { signal });
  canvas.addEventListener('pointerup', onPointerUp, { signal });
  canvas.addEventListener('pointercancel', onPointerUp, { signal });
  canvas.addEventListener('click', onClick, { signal });
  canvas.addEventListener('dblclick', onDoubleClick, { signal });
  canvas.addEventListener('wheel', onWheel, { passive: false, signal });
  canvas.addEventListener('keydown', onKey, { signal });
  online.addEventListener('change', onOnline, { signal });
  buttons.zoomIn.addEventListener('click', onZoomIn, { signal });
  buttons.zoomOut.addEventListener('click', onZoomOut, { signal });
  buttons.fit.addEventListener('click', fitAll, { signal });
  resize.observe(canvas);
  const offLang = onLangChange(() => {
    needsSync = true;
    if (visible) syncAll();
  });

  return {
    show() {
      visible = true;
      measure();
      if (needsSync) syncAll();
      if (!view) fitAll();
      origin = undefined;
      requestRender();
    },
    hide() {
      visible = false;
    },
    destroy() {
      visible = false;
      unsubscribe();
      offLang();
      resize.disconnect();
      listening.abort();
      tiles.clear();
      online.checked = false;
      attribution.hidden = true;
      status.hidden = true;
      markerLayer.replaceChildren();
      markers.clear();
    },
  };
}
