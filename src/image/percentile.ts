// Percentiles with numpy's default ('linear', type 7) interpolation, by selection rather than a
// full sort: a copy is partitioned (Floyd-Rivest / quickselect) so each percentile costs O(n).

import { PssrError } from "../errors.js";

/**
 * The p-th percentile (0..100) of `values`, as `numpy.percentile(values, p)` (method 'linear':
 * the order statistic at fractional rank (n-1)·p/100, interpolated between its neighbours with
 * numpy's `_lerp`). NaN anywhere is a PssrError (numpy would silently return NaN).
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentiles(values, [p])[0];
}

/** Several percentiles of the same values from one copy (cheaper than calling `percentile` repeatedly). */
export function percentiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) throw new PssrError("empty-image", "cannot take a percentile of no values");
  for (const p of ps) {
    if (typeof p !== "number" || !(p >= 0 && p <= 100)) {
      throw new PssrError("invalid-argument", `percentile must be within 0..100, got ${p}`);
    }
  }
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) throw new PssrError("non-finite-pixels", `cannot take a percentile: value ${i} is NaN`);
    a[i] = v;
  }
  // Ranks needed, each selected once; selections proceed in increasing rank so each later one
  // only partitions the part to the right of the previous (already in place) order statistic.
  const wanted = new Set<number>();
  const plan = ps.map((p) => {
    const virtualIndex = (n - 1) * (p / 100); // numpy: q/100 first, then (n-1)·q
    const lo = Math.floor(virtualIndex);
    const hi = Math.min(lo + 1, n - 1);
    wanted.add(lo);
    wanted.add(hi);
    return { lo, hi, gamma: virtualIndex - lo };
  });
  const ranks = [...wanted].sort((x, y) => x - y);
  let left = 0;
  for (const k of ranks) {
    if (k > left) select(a, left, n - 1, k);
    else if (k === left) selectMin(a, left, n - 1);
    left = k + 1;
    if (left >= n) break;
  }
  return plan.map(({ lo, hi, gamma }) => lerp(a[lo], a[hi], gamma));
}

/** numpy's _lerp: a + (b-a)·t, computed from the nearer end for t >= 0.5 (monotone, exact at t=1). */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function selectMin(a: Float64Array, left: number, right: number): void {
  let m = left;
  for (let i = left + 1; i <= right; i++) if (a[i] < a[m]) m = i;
  const t = a[left];
  a[left] = a[m];
  a[m] = t;
}

/**
 * Floyd-Rivest selection: afterwards a[k] is the k-th smallest of a[left..right], everything left
 * of it is <= and everything right of it is >=.
 */
function select(a: Float64Array, left: number, right: number, k: number): void {
  while (right > left) {
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      select(a, newLeft, newRight, k);
    }
    const t = a[k];
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right] > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i] < t) i++;
      while (a[j] > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
