// skimage.transform.rescale(plane, 1/f, order=1, anti_aliasing=True, mode='reflect') for
// downscaling, computed only where it is sampled: the Gaussian pre-filter (sigma (in/out-1)/2,
// scipy mode 'mirror', truncate 4, axis 0 then axis 1, float32 between axes) is evaluated on the
// rows and columns the half-pixel bilinear sampling (scipy zoom grid_mode=True) reads, two of
// every f. The arithmetic per value is the same as blurring everything (src/image/resize.ts
// rescale), at about a third of the cost for f = 4; the result is clipped to the input range.
import type { Plane } from "../image/image.js";
import { gaussianKernel } from "../image/filters.js";
import { roundHalfEven } from "../image/resize.js";
import { mirrorIndex } from "../image/boundary.js";

interface Taps {
  lo: Int32Array;
  frac: Float64Array;
  needed: Int32Array;
  /** Index of each needed source line in `needed` order, per tap. */
  loSlot: Int32Array;
  hiSlot: Int32Array;
}

function samplingTaps(n: number, m: number): Taps {
  const scale = n / m;
  const lo = new Int32Array(m);
  const frac = new Float64Array(m);
  const set = new Set<number>();
  for (let i = 0; i < m; i++) {
    const c = (i + 0.5) * scale - 0.5;
    const f = Math.floor(c);
    lo[i] = f;
    frac[i] = c - f;
    set.add(mirrorIndex(f, n));
    set.add(mirrorIndex(f + 1, n));
  }
  const needed = Int32Array.from([...set].sort((a, b) => a - b));
  const slot = new Map<number, number>();
  needed.forEach((v, k) => slot.set(v, k));
  const loSlot = new Int32Array(m);
  const hiSlot = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    loSlot[i] = slot.get(mirrorIndex(lo[i], n))!;
    hiSlot[i] = slot.get(mirrorIndex(lo[i] + 1, n))!;
  }
  return { lo, frac, needed, loSlot, hiSlot };
}

/** Anti-aliased bilinear downscaling by `factor` (> 1), as skimage rescale(order=1) in 0.19. */
export function antialiasedDownsample(plane: Plane, factor: number): Plane {
  const { height: h, width: w, data } = plane;
  const oh = Math.max(1, roundHalfEven(h / factor));
  const ow = Math.max(1, roundHalfEven(w / factor));
  const sy = Math.max(0, (h / oh - 1) / 2);
  const sx = Math.max(0, (w / ow - 1) / 2);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const ty = samplingTaps(h, oh);
  const tx = samplingTaps(w, ow);
  const ny = ty.needed.length;
  const nx = tx.needed.length;

  // Pass 1 (axis 0): blurred rows, only those sampled; every column.
  const rows = new Float32Array(ny * w);
  const acc = new Float64Array(w);
  if (sy > 1e-15) {
    const k = gaussianKernel(sy, 4);
    const r = (k.length - 1) >> 1;
    for (let a = 0; a < ny; a++) {
      const y = ty.needed[a];
      const c = k[r];
      const base0 = y * w;
      for (let x = 0; x < w; x++) acc[x] = c * data[base0 + x];
      // Symmetric kernel: one multiply per pair of rows.
      for (let j = 1; j <= r; j++) {
        const kj = k[r + j];
        const p = mirrorIndex(y - j, h) * w;
        const q = mirrorIndex(y + j, h) * w;
        for (let x = 0; x < w; x++) acc[x] += kj * (data[p + x] + data[q + x]);
      }
      const o = a * w;
      for (let x = 0; x < w; x++) rows[o + x] = acc[x];
    }
  } else {
    for (let a = 0; a < ny; a++) rows.set(data.subarray(ty.needed[a] * w, (ty.needed[a] + 1) * w), a * w);
  }

  // Pass 2 (axis 1): blurred values at the sampled columns of those rows.
  const grid = new Float32Array(ny * nx);
  if (sx > 1e-15) {
    const k = gaussianKernel(sx, 4);
    const r = (k.length - 1) >> 1;
    const cols = new Int32Array(nx * (2 * r + 1));
    for (let b = 0; b < nx; b++) for (let j = -r; j <= r; j++) cols[b * (2 * r + 1) + j + r] = mirrorIndex(tx.needed[b] + j, w);
    for (let a = 0; a < ny; a++) {
      const o = a * w;
      for (let b = 0; b < nx; b++) {
        const cb = b * (2 * r + 1) + r;
        let s = k[r] * rows[o + cols[cb]];
        for (let j = 1; j <= r; j++) s += k[r + j] * (rows[o + cols[cb - j]] + rows[o + cols[cb + j]]);
        grid[a * nx + b] = s;
      }
    }
  } else {
    for (let a = 0; a < ny; a++) for (let b = 0; b < nx; b++) grid[a * nx + b] = rows[a * w + tx.needed[b]];
  }

  // Bilinear sampling (zoom order 1, grid mode), then clip to the input's range.
  const out = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    const fy = ty.frac[i];
    const r0 = ty.loSlot[i] * nx;
    const r1 = ty.hiSlot[i] * nx;
    for (let j = 0; j < ow; j++) {
      const fx = tx.frac[j];
      const c0 = tx.loSlot[j];
      const c1 = tx.hiSlot[j];
      const top = grid[r0 + c0] * (1 - fx) + grid[r0 + c1] * fx;
      const bottom = grid[r1 + c0] * (1 - fx) + grid[r1 + c1] * fx;
      const v = top * (1 - fy) + bottom * fy;
      out[i * ow + j] = v < min ? min : v > max ? max : v;
    }
  }
  return { data: out, height: oh, width: ow };
}
