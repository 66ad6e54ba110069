// Pillow's Image.resize(..., BILINEAR) as PSSR2 uses it to make LR from HR: a separable
// triangle filter whose support widens with the reduction factor (so it anti-aliases), sampled
// at half-pixel centres (Pillow libImaging/Resample.c precompute_coeffs, float path).
import type { Plane } from "../image/image.js";

interface Coefficients {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  kernelSize: number;
}

function triangleCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const kernelSize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * kernelSize);
  const invFilterScale = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    const n = xmax - xmin;
    let total = 0;
    for (let x = 0; x < n; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * invFilterScale);
      const w = t < 1 ? 1 - t : 0;
      weights[xx * kernelSize + x] = w;
      total += w;
    }
    if (total !== 0) for (let x = 0; x < n; x++) weights[xx * kernelSize + x] /= total;
    start[xx] = xmin;
    count[xx] = n;
  }
  return { start, count, weights, kernelSize };
}

/** Resizes a plane to outHeight x outWidth with Pillow's BILINEAR filter (horizontal pass first). */
export function pilBilinearResize(plane: Plane, outHeight: number, outWidth: number): Plane {
  const { height: h, width: w, data } = plane;
  const cx = triangleCoefficients(w, outWidth);
  const tmp = new Float32Array(h * outWidth);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let xx = 0; xx < outWidth; xx++) {
      const s = cx.start[xx];
      const n = cx.count[xx];
      const k = xx * cx.kernelSize;
      let acc = 0;
      for (let j = 0; j < n; j++) acc += cx.weights[k + j] * data[row + s + j];
      tmp[y * outWidth + xx] = acc;
    }
  }
  const cy = triangleCoefficients(h, outHeight);
  const out = new Float32Array(outHeight * outWidth);
  for (let yy = 0; yy < outHeight; yy++) {
    const s = cy.start[yy];
    const n = cy.count[yy];
    const k = yy * cy.kernelSize;
    const o = yy * outWidth;
    for (let j = 0; j < n; j++) {
      const wgt = cy.weights[k + j];
      const r = (s + j) * outWidth;
      for (let x = 0; x < outWidth; x++) out[o + x] += wgt * tmp[r + x];
    }
  }
  return { data: out, height: outHeight, width: outWidth };
}
