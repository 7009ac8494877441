// Engine data layer: the seeded PRNG behind every random choice (splits, shuffles, augmentation, init), for reproducible runs.
// The generator itself lives in shared/random.ts, so the renderer's augmentation preview draws the same numbers.
import { mulberry32 } from '../../../shared/random.js';

export { mulberry32 };

/** Fisher–Yates; returns the same array for chaining. */
export function shuffleInPlace(a: Int32Array, rng: () => number): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
