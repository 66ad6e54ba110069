// How filters and resamplers see pixels beyond the edge, with scipy.ndimage's mode names.

import { unknownName } from "../errors.js";

/**
 * Boundary handling, as scipy.ndimage names it (input `a b c d`):
 * - "nearest": `a a a | a b c d | d d d` (edge value repeated);
 * - "reflect": `d c b a | a b c d | d c b a` (half-sample symmetric; numpy.pad "symmetric");
 * - "mirror":  `d c b | a b c d | c b a` (whole-sample symmetric; numpy.pad "reflect");
 * - "constant": `k k k | a b c d | k k k` with k = `cval` (default 0);
 * - "wrap":    `a b c d | a b c d | a b c d` (periodic).
 */
export type BoundaryMode = "nearest" | "reflect" | "mirror" | "constant" | "wrap";

export const BOUNDARY_MODES: readonly BoundaryMode[] = ["nearest", "reflect", "mirror", "constant", "wrap"];

export function checkBoundaryMode(mode: string): BoundaryMode {
  if (!(BOUNDARY_MODES as readonly string[]).includes(mode)) throw unknownName("boundary mode", mode, BOUNDARY_MODES);
  return mode as BoundaryMode;
}

/**
 * Index into a line of length `n` that position `i` (any integer) reads under `mode`;
 * -1 means "outside: use cval" (constant mode only). Extensions longer than the line repeat
 * the pattern (scipy's NI_ExtendLine does the same).
 */
export function boundaryIndex(i: number, n: number, mode: BoundaryMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case "nearest":
      return i < 0 ? 0 : n - 1;
    case "constant":
      return -1;
    case "wrap":
      return ((i % n) + n) % n;
    case "reflect": {
      const period = 2 * n;
      const j = ((i % period) + period) % period;
      return j < n ? j : period - 1 - j;
    }
    case "mirror":
      return mirrorIndex(i, n);
  }
}

/**
 * Index that position `i` reads in a line of `n` under whole-sample symmetry ("mirror":
 * `d c b | a b c d | c b a`, numpy.pad "reflect"); used in hot loops, so no mode switch.
 */
export function mirrorIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/**
 * Copies `src[start + k*stride]` (k = 0..n-1) into `dst` with `before` extended samples in front
 * and `after` behind, following `mode`. Returns nothing; `dst` must hold n + before + after.
 */
export function extendLine(
  src: ArrayLike<number>,
  start: number,
  stride: number,
  n: number,
  before: number,
  after: number,
  mode: BoundaryMode,
  cval: number,
  dst: Float64Array,
): void {
  for (let k = 0; k < n; k++) dst[before + k] = src[start + k * stride];
  for (let k = 1; k <= before; k++) {
    const j = boundaryIndex(-k, n, mode);
    dst[before - k] = j < 0 ? cval : src[start + j * stride];
  }
  for (let k = 0; k < after; k++) {
    const j = boundaryIndex(n + k, n, mode);
    dst[before + n + k] = j < 0 ? cval : src[start + j * stride];
  }
}
