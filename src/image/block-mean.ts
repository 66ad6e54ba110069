// Block means (binning): each output pixel is the mean of a factor x factor block of the input.
import type { Plane } from "./image.js";
import { PssrError } from "../errors.js";

export interface BlockMeanOptions {
  /**
   * What happens to a last row/column of blocks that the region does not fill:
   * "drop" (default) leaves it out (numpy reshape-mean, TF avg_pool "VALID", torch area for
   * integer factors); "partial" keeps it, averaged over the pixels it holds (numpy nanmean of a
   * NaN-padded array).
   */
  edges?: "drop" | "partial";
  /** Rows [start, end) of the region to bin (default the whole height). */
  rows?: readonly [number, number];
  /** Columns [start, end) of the region to bin (default the whole width). */
  cols?: readonly [number, number];
}

/**
 * Means of `factor` x `factor` blocks of a plane (or of a region of it), accumulated in float64.
 * factor 1 is a copy (of the region). Throws a PssrError when the factor is not a positive
 * integer or no block fits.
 */
export function blockMean(plane: Plane, factor: number, options: BlockMeanOptions = {}): Plane {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new PssrError("invalid-argument", `block mean: factor must be an integer >= 1, got ${factor}`);
  }
  if (plane.data.length !== plane.height * plane.width) {
    throw new PssrError("empty-image", `block mean: plane data holds ${plane.data.length} values, not ${plane.height}x${plane.width}`);
  }
  const edges = options.edges ?? "drop";
  const [r0, r1] = options.rows ?? [0, plane.height];
  const [c0, c1] = options.cols ?? [0, plane.width];
  if (!(0 <= r0 && r0 <= r1 && r1 <= plane.height && 0 <= c0 && c0 <= c1 && c1 <= plane.width)) {
    throw new PssrError("invalid-argument", `block mean: region rows ${r0}..${r1}, columns ${c0}..${c1} is outside the ${plane.height}x${plane.width} plane`);
  }
  const whole = (n: number) => (edges === "partial" ? Math.ceil(n / factor) : Math.floor(n / factor));
  const oh = whole(r1 - r0);
  const ow = whole(c1 - c0);
  if (oh < 1 || ow < 1) {
    throw new PssrError("invalid-argument", `block mean: a ${r1 - r0}x${c1 - c0} region is smaller than one ${factor}x${factor} block`);
  }
  const out = new Float32Array(oh * ow);
  const acc = new Float64Array(ow);
  const src = plane.data;
  const w = plane.width;
  // A whole block is scaled by the reciprocal (as every former copy did); a partial one is divided by its count.
  const wholeScale = 1 / (factor * factor);
  // Whole blocks per row; a partial last column of blocks (edges "partial") is summed apart.
  const owWhole = Math.floor((c1 - c0) / factor);
  const lastWidth = c1 - (c0 + owWhole * factor);
  for (let oy = 0; oy < oh; oy++) {
    acc.fill(0);
    const y0 = r0 + oy * factor;
    const y1 = Math.min(y0 + factor, r1);
    for (let y = y0; y < y1; y++) sumRowBlocks(src, y * w + c0, factor, owWhole, lastWidth, ow > owWhole, acc);
    const rowsIn = y1 - y0;
    const o = oy * ow;
    if (rowsIn === factor) for (let ox = 0; ox < owWhole; ox++) out[o + ox] = acc[ox] * wholeScale;
    else for (let ox = 0; ox < owWhole; ox++) out[o + ox] = acc[ox] / (rowsIn * factor);
    if (ow > owWhole) out[o + owWhole] = acc[owWhole] / (rowsIn * lastWidth);
  }
  return { data: out, height: oh, width: ow };
}

/** Adds the sums of `blocks` runs of `factor` values from `start` (then one run of `lastWidth` when `partial`) into acc. */
function sumRowBlocks(src: Float32Array, start: number, factor: number, blocks: number, lastWidth: number, partial: boolean, acc: Float64Array): void {
  for (let ox = 0; ox < blocks; ox++) {
    const b = start + ox * factor;
    let s = 0;
    for (let k = 0; k < factor; k++) s += src[b + k];
    acc[ox] += s;
  }
  if (partial) {
    const b = start + blocks * factor;
    let s = 0;
    for (let k = 0; k < lastWidth; k++) s += src[b + k];
    acc[blocks] += s;
  }
}
