/**
 * Random draws on an injected uniform source (shared/clock.ts seededRandom), so the world model
 * replays exactly. Each entity gets its own stream derived from the seed and its id, so dropping
 * buses with a scenario filter does not change what the remaining sites do.
 */
import { seededRandom } from '../shared/clock.ts';

export type Rng = () => number;

/** FNV-1a, 32 bit. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** @example entityRng(2020, 'bus-k1-01')() // the same float every run */
export function entityRng(seed: number, id: string): Rng {
  return seededRandom((hash(id) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0);
}

/** Standard normal (Box-Muller). */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  const u = 1 - rng();
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Poisson count with mean `lambda`; exact (Knuth) for small means, normal approximation above 30. */
export function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda > 30) return Math.max(0, Math.round(normal(rng, lambda, Math.sqrt(lambda))));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

/** Binomial count of `n` trials with probability `p`; exact for small n, normal approximation above. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n <= 50) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng() < p) k++;
    return k;
  }
  const k = Math.round(normal(rng, n * p, Math.sqrt(n * p * (1 - p))));
  return Math.min(n, Math.max(0, k));
}

export function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}
