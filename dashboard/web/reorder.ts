/**
 * Re-ordering a keyed list with the fewest DOM moves: the items that form the longest run
 * already in the right relative order stay put, only the others move (the technique of the
 * keyed diff in Inferno and Vue 3). Each move costs style and layout work and blurs a focused
 * row, so with hundreds of rows this matters.
 */

/**
 * Indices (into `seq`) of one longest strictly increasing subsequence, ignoring negative
 * entries (items that are new). O(n log n).
 *
 * @example longestIncreasing([2, 0, 1, -1, 3]) // [1, 2, 4] (values 0, 1, 3)
 */
export function longestIncreasing(seq: readonly number[]): number[] {
  const tails: number[] = [];
  const prev = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i]!;
    if (v < 0) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const out: number[] = [];
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) out.push(i);
  return out.reverse();
}

/**
 * The keys of `desired` that may stay where they are, given the `current` order.
 *
 * @example stableKeys(['a', 'b', 'c', 'd'], ['b', 'c', 'd', 'a']) // Set {'b', 'c', 'd'}: only 'a' moves
 */
export function stableKeys(current: readonly string[], desired: readonly string[]): Set<string> {
  const position = new Map<string, number>(current.map((key, i) => [key, i]));
  const seq = desired.map((key) => position.get(key) ?? -1);
  return new Set(longestIncreasing(seq).map((i) => desired[i]!));
}

/**
 * Makes `parent`'s children exactly `items` in that order, moving as few as possible.
 * Children not in `items` are removed.
 */
export function reorderChildren(
  parent: Element,
  items: readonly Element[],
  keyOf: (el: Element) => string,
): void {
  const wanted = new Set(items);
  for (const child of [...parent.children]) if (!wanted.has(child)) child.remove();
  const keep = stableKeys([...parent.children].map(keyOf), items.map(keyOf));
  let anchor: Element | null = null;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (!keep.has(keyOf(item)) || item.parentElement !== parent) parent.insertBefore(item, anchor);
    anchor = item;
  }
}
