// Resampling along one axis only, as scipy.ndimage.zoom with a per-axis factor (1 on the other
// axis), grid_mode=False: output sample i sits at input coordinate i * (n - 1) / (m - 1), corner
// aligned. CARE's anisotropic_distortions subsamples one axis this way (order 0) and zooms it
// back (order 1).
import type { Plane } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import { cropPlane } from "../image/crop.js";

/** Zooms `plane` along `axis` to `outLength` samples with spline order 0 (nearest) or 1 (linear). */
export function zoomAxis(plane: Plane, axis: "Y" | "X", outLength: number, order: 0 | 1): Plane {
  if (!Number.isInteger(outLength) || outLength < 1) throw invalidArgument(`output length must be a positive integer, got ${outLength}`);
  const { height: h, width: w, data } = plane;
  const n = axis === "Y" ? h : w;
  const m = outLength;
  const step = m > 1 ? (n - 1) / (m - 1) : 0;
  // Precompute, per output sample, the two source indices and the weight of the second.
  const i0 = new Int32Array(m);
  const i1 = new Int32Array(m);
  const frac = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const c = i * step;
    if (order === 0) {
      let k = Math.floor(c + 0.5);
      if (k > n - 1) k = n - 1;
      i0[i] = k;
      i1[i] = k;
      frac[i] = 0;
    } else {
      let k = Math.floor(c);
      if (k > n - 1) k = n - 1;
      const k1 = k + 1 <= n - 1 ? k + 1 : n - 1;
      i0[i] = k;
      i1[i] = k1;
      frac[i] = c - k;
    }
  }
  if (axis === "X") {
    const out = new Float32Array(h * m);
    for (let y = 0; y < h; y++) {
      const r = y * w;
      const o = y * m;
      for (let i = 0; i < m; i++) {
        const a = data[r + i0[i]];
        out[o + i] = a + frac[i] * (data[r + i1[i]] - a);
      }
    }
    return { data: out, height: h, width: m };
  }
  const out = new Float32Array(m * w);
  for (let i = 0; i < m; i++) {
    const ra = i0[i] * w;
    const rb = i1[i] * w;
    const f = frac[i];
    const o = i * w;
    for (let x = 0; x < w; x++) {
      const a = data[ra + x];
      out[o + x] = a + f * (data[rb + x] - a);
    }
  }
  return { data: out, height: m, width: w };
}

/** Crops `plane` along `axis` to `length` samples, centred as CARE's _make_divisible_by_subsample. */
export function cropAxisCentered(plane: Plane, axis: "Y" | "X", length: number): Plane {
  const n = axis === "Y" ? plane.height : plane.width;
  if (length === n) return plane;
  const start = Math.floor((n - length) / 2);
  return axis === "Y" ? cropPlane(plane, [start, start + length], [0, plane.width]) : cropPlane(plane, [0, plane.height], [start, start + length]);
}
