// Kymographs: intensity along a (poly)line through every frame of a time-lapse, one row per
// frame, as Fiji's KymographBuilder / KymoResliceWide draw them.
import type { Image, Plane } from "../image/image.js";
import { lengthToNm } from "../image/image.js";
import { invalidArgument, PssrError } from "../errors.js";

export type Point = readonly [number, number];

export interface KymographOptions {
  /** Width of the band across the line, in pixels (samples 1 px apart). Default 1. */
  widthPx?: number;
  /** How the samples across the width are combined. Default "mean". */
  reduce?: "mean" | "max";
}

export interface KymographResult {
  /** T rows (frames) x L columns (positions along the line, 1 px apart). */
  kymograph: Plane;
  /** Arc-length position of each column along the line, in pixels (0, 1, 2, ...). */
  positionsPx: number[];
  /** Positions of the interior vertices along the line (pixels): the segment boundaries. */
  segmentBoundariesPx: number[];
  /** Total length of the polyline in pixels. */
  lengthPx: number;
  /**
   * Column spacing in µm when the image's pixel size is known and the same along every segment
   * (square pixels, or one segment), else null (then see `positionsUm`).
   */
  positionStepUm: number | null;
  /**
   * Arc-length position of each column in µm when the pixel size is known: a 1 px step along a
   * segment of direction (ux, uy) is hypot(ux·sizeX, uy·sizeY) µm, so with non-square pixels the
   * spacing differs between segments.
   */
  positionsUm: number[] | null;
  /** Row spacing in seconds when the frame interval is known, else null. */
  frameIntervalS: number | null;
  widthPx: number;
  reduce: "mean" | "max";
}

/** Bilinear value at (x, y), pixel (row r, column c) centred at (x = c, y = r). */
function bilinear(data: Float32Array | ArrayLike<number>, off: number, w: number, h: number, x: number, y: number): number {
  let x0 = Math.floor(x);
  let y0 = Math.floor(y);
  if (x0 >= w - 1) x0 = w - 2;
  if (y0 >= h - 1) y0 = h - 2;
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  const fx = x - x0;
  const fy = y - y0;
  const i = off + y0 * w + x0;
  const a = data[i];
  const b = w > 1 ? data[i + 1] : a;
  const c = h > 1 ? data[i + w] : a;
  const d = w > 1 && h > 1 ? data[i + w + 1] : c;
  return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d);
}

/**
 * Kymograph of a (T, Y, X) stack along a polyline [[x, y], ...] in pixel coordinates (x = column,
 * y = row, pixel centres at integers). Samples are taken every 1 px of arc length from the first
 * vertex (floor(length) + 1 columns), continuing across vertices; each sample is the bilinear
 * interpolation at the point, and with widthPx > 1 at widthPx points 1 px apart along the local
 * segment's normal, centred on the line (offsets j - (w - 1)/2), combined by mean or max
 * (KymoResliceWide's scheme, with symmetric offsets). Any sample outside the image is an error.
 * Axes are calibrated from the image (µm per column, s per row) when it states them.
 */
export function kymograph(stack: Image, polyline: readonly Point[], options: KymographOptions = {}): KymographResult {
  if (stack.shape.length !== 3) {
    throw invalidArgument(`kymograph needs a (T, Y, X) time-lapse; got axes "${stack.axes}" with shape ${JSON.stringify(stack.shape)}`);
  }
  const [T, H, W] = stack.shape;
  const widthPx = options.widthPx ?? 1;
  const reduce = options.reduce ?? "mean";
  if (!Number.isInteger(widthPx) || widthPx < 1) throw invalidArgument(`widthPx must be a positive integer, got ${widthPx}`);
  if (reduce !== "mean" && reduce !== "max") throw invalidArgument(`reduce must be "mean" or "max", got "${String(reduce)}"`);
  if (polyline.length < 2) throw invalidArgument(`a kymograph line needs at least 2 points, got ${polyline.length}`);
  for (const p of polyline) {
    if (p.length !== 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw invalidArgument(`line points must be [x, y] numbers, got ${JSON.stringify(p)}`);
  }
  for (let i = 0; i < stack.data.length; i++) {
    if (!Number.isFinite(stack.data[i])) {
      throw new PssrError("non-finite-pixels", `the time-lapse has a non-finite pixel (${stack.data[i]}) at frame ${Math.floor(i / (H * W))}`);
    }
  }

  // Segment geometry and cumulative arc length.
  const seg: { x0: number; y0: number; ux: number; uy: number; len: number; start: number }[] = [];
  let total = 0;
  for (let i = 0; i + 1 < polyline.length; i++) {
    const [x0, y0] = polyline[i];
    const [x1, y1] = polyline[i + 1];
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len === 0) continue; // repeated vertex
    seg.push({ x0, y0, ux: (x1 - x0) / len, uy: (y1 - y0) / len, len, start: total });
    total += len;
  }
  if (seg.length === 0) throw invalidArgument("the kymograph line has zero length");
  const L = Math.floor(total + 1e-9) + 1;
  const nOff = widthPx;
  const xs = new Float64Array(L * nOff);
  const ys = new Float64Array(L * nOff);
  let s = 0;
  const eps = 1e-6;
  for (let k = 0; k < L; k++) {
    const pos = k;
    while (s + 1 < seg.length && pos >= seg[s + 1].start - 1e-9) s++;
    const g = seg[s];
    const t = Math.min(pos - g.start, g.len);
    const cx = g.x0 + g.ux * t;
    const cy = g.y0 + g.uy * t;
    // Normal (-uy, ux): to the right of the direction of travel in image coordinates (y down).
    for (let j = 0; j < nOff; j++) {
      const o = j - (nOff - 1) / 2;
      const x = cx - g.uy * o;
      const y = cy + g.ux * o;
      if (x < -eps || y < -eps || x > W - 1 + eps || y > H - 1 + eps) {
        throw new PssrError(
          "invalid-argument",
          `the kymograph line leaves the ${W}x${H} image (x 0..${W - 1}, y 0..${H - 1}): sample at x=${x.toFixed(2)}, y=${y.toFixed(2)} (${k} px along the line${nOff > 1 ? `, offset ${o} px across` : ""})`,
        );
      }
      xs[k * nOff + j] = Math.min(Math.max(x, 0), W - 1);
      ys[k * nOff + j] = Math.min(Math.max(y, 0), H - 1);
    }
  }

  const out = new Float32Array(T * L);
  for (let t = 0; t < T; t++) {
    const off = t * H * W;
    for (let k = 0; k < L; k++) {
      let acc = reduce === "max" ? -Infinity : 0;
      for (let j = 0; j < nOff; j++) {
        const v = bilinear(stack.data, off, W, H, xs[k * nOff + j], ys[k * nOff + j]);
        if (reduce === "max") {
          if (v > acc) acc = v;
        } else acc += v;
      }
      out[t * L + k] = reduce === "max" ? acc : acc / nOff;
    }
  }
  const positionsPx = Array.from({ length: L }, (_, k) => k);
  // Physical spacing per segment: X and Y pixel sizes may differ (pixelSizeY).
  const sizeXUm = stack.pixelSize ? lengthToNm(stack.pixelSize) / 1000 : null;
  const sizeYUm = stack.pixelSizeY ? lengthToNm(stack.pixelSizeY) / 1000 : sizeXUm;
  let positionsUm: number[] | null = null;
  let positionStepUm: number | null = null;
  if (sizeXUm !== null && sizeYUm !== null) {
    const stepUm = seg.map((g) => Math.hypot(g.ux * sizeXUm, g.uy * sizeYUm));
    // µm at each segment's start: the earlier segments' lengths, each at its own step
    const startUm = [0];
    for (let q = 1; q < seg.length; q++) startUm.push(startUm[q - 1] + seg[q - 1].len * stepUm[q - 1]);
    positionsUm = [];
    let si = 0;
    for (let k = 0; k < L; k++) {
      while (si + 1 < seg.length && k >= seg[si + 1].start - 1e-9) si++;
      positionsUm.push(startUm[si] + Math.min(k - seg[si].start, seg[si].len) * stepUm[si]);
    }
    const same = stepUm.every((v) => Math.abs(v - stepUm[0]) <= 1e-9 * stepUm[0]);
    positionStepUm = same ? stepUm[0] : null;
  }
  return {
    kymograph: { data: out, height: T, width: L },
    positionsPx,
    segmentBoundariesPx: seg.slice(1).map((g) => g.start),
    lengthPx: total,
    positionStepUm,
    positionsUm,
    frameIntervalS: stack.frameIntervalS ?? null,
    widthPx,
    reduce,
  };
}
