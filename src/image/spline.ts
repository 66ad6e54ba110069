// Cubic B-spline prefiltering (interpolating splines), as scipy.ndimage.spline_filter1d with
// order 3: one causal and one anticausal recursive pass with pole z = √3 - 2, the boundary
// handled by exact initial conditions for whole- and half-sample symmetric extensions.
//
// Unser, "Splines: a perfect fit for signal and image processing", IEEE SPM 16 (1999).

const Z3 = Math.sqrt(3) - 2;
const GAIN3 = (1 - Z3) * (1 - 1 / Z3);

/** Whole-sample ("mirror"), half-sample ("reflect") symmetric or periodic ("wrap", scipy's grid-wrap) boundary. */
export type SplineBoundary = "mirror" | "reflect" | "wrap";

/** In-place cubic spline prefilter of c[start + k·stride], k = 0..n-1. */
export function splineFilterLine(c: Float64Array, n: number, boundary: SplineBoundary, buf: Float64Array): void {
  if (n <= 1) return;
  for (let i = 0; i < n; i++) buf[i] = c[i] * GAIN3;
  const z = Z3;
  if (boundary === "mirror") initCausalMirror(buf, n, z);
  else if (boundary === "reflect") initCausalReflect(buf, n, z);
  else initCausalWrap(buf, n, z);
  for (let i = 1; i < n; i++) buf[i] += z * buf[i - 1];
  if (boundary === "mirror") buf[n - 1] = ((z * buf[n - 2] + buf[n - 1]) * z) / (z * z - 1);
  else if (boundary === "reflect") buf[n - 1] *= z / (z - 1);
  else initAnticausalWrap(buf, n, z);
  for (let i = n - 2; i >= 0; i--) buf[i] = z * (buf[i + 1] - buf[i]);
  for (let i = 0; i < n; i++) c[i] = buf[i];
}

function initCausalMirror(c: Float64Array, n: number, z: number): void {
  let zi = z;
  const zn1 = Math.pow(z, n - 1);
  let c0 = c[0] + zn1 * c[n - 1];
  for (let i = 1; i < n - 1; i++) {
    c0 += zi * (c[i] + zn1 * c[n - 1 - i]);
    zi *= z;
  }
  c[0] = c0 / (1 - zn1 * zn1);
}

/** c+[0] = Σ_k z^k c[-k mod n] (periodic extension), summed over one period and divided by 1 - z^n. */
function initCausalWrap(c: Float64Array, n: number, z: number): void {
  let zi = z;
  let c0 = c[0];
  for (let i = 1; i < n; i++) {
    c0 += zi * c[n - i];
    zi *= z;
  }
  c[0] = c0 / (1 - zi);
}

/** c-[n-1] = -z/(1 - z^n) · Σ_k z^k c+[(n-1+k) mod n] for the periodic extension. */
function initAnticausalWrap(c: Float64Array, n: number, z: number): void {
  let zi = z;
  let cn = c[n - 1];
  for (let i = 0; i < n - 1; i++) {
    cn += zi * c[i];
    zi *= z;
  }
  c[n - 1] = cn * (z / (zi - 1));
}

function initCausalReflect(c: Float64Array, n: number, z: number): void {
  let zi = z;
  const zn = Math.pow(z, n);
  const first = c[0];
  let c0 = c[0] + zn * c[n - 1];
  for (let i = 1; i < n; i++) {
    c0 += zi * (c[i] + zn * c[n - 1 - i]);
    zi *= z;
  }
  c[0] = c0 * (z / (1 - zn * zn)) + first;
}

/**
 * Cubic spline coefficients of an h×w plane (float64), filtering along Y then X. The Y pass
 * runs the same recursions on whole rows at once (cache-friendly), the X pass line by line.
 */
export function splineCoefficients(src: ArrayLike<number>, h: number, w: number, boundary: SplineBoundary): Float64Array {
  const c = Float64Array.from(src as ArrayLike<number>);
  if (h > 1) splineFilterRows(c, h, w, boundary);
  if (w > 1) {
    const buf = new Float64Array(w);
    for (let y = 0; y < h; y++) splineFilterLine(c.subarray(y * w, (y + 1) * w), w, boundary, buf);
  }
  return c;
}

/** splineFilterLine along Y for every column at once (same arithmetic, row-vectorised). */
function splineFilterRows(c: Float64Array, n: number, w: number, boundary: SplineBoundary): void {
  const z = Z3;
  for (let i = 0; i < c.length; i++) c[i] *= GAIN3;
  const acc = new Float64Array(w);
  const row = (i: number) => i * w;
  // Causal initial condition, into row 0.
  if (boundary === "mirror") {
    const zn1 = Math.pow(z, n - 1);
    for (let x = 0; x < w; x++) acc[x] = c[x] + zn1 * c[row(n - 1) + x];
    let zi = z;
    for (let i = 1; i < n - 1; i++) {
      const a = row(i);
      const b = row(n - 1 - i);
      for (let x = 0; x < w; x++) acc[x] += zi * (c[a + x] + zn1 * c[b + x]);
      zi *= z;
    }
    const d = 1 - zn1 * zn1;
    for (let x = 0; x < w; x++) c[x] = acc[x] / d;
  } else if (boundary === "reflect") {
    const zn = Math.pow(z, n);
    for (let x = 0; x < w; x++) acc[x] = c[x] + zn * c[row(n - 1) + x];
    let zi = z;
    for (let i = 1; i < n; i++) {
      const a = row(i);
      const b = row(n - 1 - i);
      for (let x = 0; x < w; x++) acc[x] += zi * (c[a + x] + zn * c[b + x]);
      zi *= z;
    }
    const f = z / (1 - zn * zn);
    for (let x = 0; x < w; x++) c[x] = acc[x] * f + c[x];
  } else {
    for (let x = 0; x < w; x++) acc[x] = c[x];
    let zi = z;
    for (let i = 1; i < n; i++) {
      const a = row(n - i);
      for (let x = 0; x < w; x++) acc[x] += zi * c[a + x];
      zi *= z;
    }
    for (let x = 0; x < w; x++) c[x] = acc[x] / (1 - zi);
  }
  for (let i = 1; i < n; i++) {
    const a = row(i);
    const p = row(i - 1);
    for (let x = 0; x < w; x++) c[a + x] += z * c[p + x];
  }
  // Anticausal initial condition, into row n-1.
  const last = row(n - 1);
  if (boundary === "mirror") {
    const prev = row(n - 2);
    for (let x = 0; x < w; x++) c[last + x] = ((z * c[prev + x] + c[last + x]) * z) / (z * z - 1);
  } else if (boundary === "reflect") {
    for (let x = 0; x < w; x++) c[last + x] *= z / (z - 1);
  } else {
    for (let x = 0; x < w; x++) acc[x] = c[last + x];
    let zi = z;
    for (let i = 0; i < n - 1; i++) {
      const a = row(i);
      for (let x = 0; x < w; x++) acc[x] += zi * c[a + x];
      zi *= z;
    }
    const f = z / (zi - 1);
    for (let x = 0; x < w; x++) c[last + x] = acc[x] * f;
  }
  for (let i = n - 2; i >= 0; i--) {
    const a = row(i);
    const q = row(i + 1);
    for (let x = 0; x < w; x++) c[a + x] = z * (c[q + x] - c[a + x]);
  }
}

/** The four cubic B-spline weights for taps floor(x)-1 .. floor(x)+2, t = x - floor(x). */
export function cubicBSplineWeights(t: number, out: Float64Array): void {
  const u = 1 - t;
  out[0] = (u * u * u) / 6;
  out[1] = (4 - 6 * t * t + 3 * t * t * t) / 6;
  out[2] = (1 + 3 * t + 3 * t * t - 3 * t * t * t) / 6;
  out[3] = (t * t * t) / 6;
}
