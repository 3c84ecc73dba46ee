/**
 * Which rows of a long list are worth having in the DOM: those in the viewport plus a margin.
 * The overview list scrolls with the page (the browser's own scrolling, keyboard and touch
 * included), so the window is computed from where the list's top is relative to the viewport.
 * Pure, unit-tested; overview.ts does the DOM.
 *
 * Why virtualise: measured with 5,000 sites all changing every second
 * (test/browser/measure-overview.ts), keeping 500 rows in the DOM and re-ordering them once a
 * second spent ~15% of the main thread in `insertBefore` alone, with long tasks up to 1.3 s and
 * a mean of 30 fps. With only the visible rows in the DOM, a re-order re-labels a few dozen rows
 * in place.
 */

export interface RowWindow {
  /** First index to render (inclusive). */
  start: number;
  /** Last index to render (exclusive). */
  end: number;
}

/**
 * @param listTop where the list's top edge is, relative to the viewport top (negative once
 *   scrolled past), in px
 * @param viewportHeight the viewport's height in px
 * @param stride a row's height plus the gap to the next, in px
 * @param count rows in the list
 * @param overscan extra rows above and below, so a fast scroll does not show blank space
 *
 * @example rowWindow(-1000, 800, 50, 5000, 5) // { start: 15, end: 41 }
 */
export function rowWindow(
  listTop: number,
  viewportHeight: number,
  stride: number,
  count: number,
  overscan = 8,
): RowWindow {
  if (count === 0 || stride <= 0) return { start: 0, end: Math.min(count, 1) };
  const first = Math.floor(Math.max(0, -listTop) / stride);
  const last = Math.ceil((viewportHeight - listTop) / stride);
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.max(start, Math.min(count, last + overscan));
  return { start, end };
}
