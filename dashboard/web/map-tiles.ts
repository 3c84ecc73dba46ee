/**
 * The OPTIONAL online base layer: OpenStreetMap's standard tiles, fetched only after the operator
 * switches them on (off on every page load), so the dashboard needs no internet by default
 * (issue: "no required external tiles or CDN"). Tiles are plain <img> elements reused by key;
 * when one fails (no internet, or the server's CSP does not list the tile host) the caller is
 * told once and the schematic outline stays underneath, so the map never goes blank.
 *
 * OSM's tile usage policy (operations.osmfoundation.org/policies/tiles) asks for a Referer and
 * the visible attribution; the server sends `Referrer-Policy: no-referrer`, so each tile asks for
 * the origin to be sent, and the map shows "© OpenStreetMap contributors" while tiles are on.
 */
import type { Tile } from './map-projection.ts';

export const OSM_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

/** @example tileUrl({ z: 11, x: 1615, y: 1017 }) // 'https://tile.openstreetmap.org/11/1615/1017.png' */
export function tileUrl(tile: Pick<Tile, 'z' | 'x' | 'y'>, template = OSM_TILE_URL): string {
  return template
    .replace('{z}', String(tile.z))
    .replace('{x}', String(tile.x))
    .replace('{y}', String(tile.y));
}

export interface TileLayer {
  render(tiles: readonly Tile[]): void;
  clear(): void;
}

/**
 * @example
 * const layer = createTileLayer(div, () => showNote('tiles.failed'));
 * layer.render(visibleTiles(view, size));
 */
export function createTileLayer(container: HTMLElement, onError: () => void): TileLayer {
  const images = new Map<string, HTMLImageElement>();
  let failed = false;

  return {
    render(tiles) {
      const wanted = new Set<string>();
      for (const tile of tiles) {
        const key = `${tile.z}/${tile.x}/${tile.y}`;
        wanted.add(key);
        let img = images.get(key);
        if (!img) {
          img = document.createElement('img');
          img.alt = '';
          img.decoding = 'async';
          img.draggable = false;
          img.referrerPolicy = 'strict-origin-when-cross-origin';
          img.className = 'map-tile';
          img.addEventListener('error', () => {
            if (failed) return;
            failed = true;
            onError();
          });
          img.src = tileUrl(tile);
          images.set(key, img);
          container.append(img);
        }
        // CSSOM, not a style attribute in markup: allowed under the 'self'-only style-src CSP.
        img.style.transform = `translate(${tile.left}px, ${tile.top}px)`;
        img.style.width = `${tile.size}px`;
        img.style.height = `${tile.size}px`;
      }
      for (const [key, img] of images) {
        if (wanted.has(key)) continue;
        img.remove();
        images.delete(key);
      }
    },
    clear() {
      for (const img of images.values()) img.remove();
      images.clear();
      failed = false;
    },
  };
}
