// Least-squares straight lines, the one fit behind error-map scaling (NanoJ-SQUIRREL), PSSR's
// norm_minmse scale and the noise-model calibration (Foi et al.).

export interface LineFit {
  /** y ≈ slope · x + intercept; slope 0 when x has no spread. */
  slope: number;
  intercept: number;
  /** (Weighted) means of x and y. */
  meanX: number;
  meanY: number;
  /** Σ w (x - meanX)², Σ w (x - meanX)(y - meanY) and Σ w (y - meanY)² (Pearson's r = sxy / √(sxx·syy)). */
  sxx: number;
  sxy: number;
  syy: number;
}

/**
 * Ordinary (or, with `weights`, weighted) least-squares line through the points (x[i], y[i]),
 * from sums about the means (two passes in float64, so large offsets cost no precision).
 */
export function fitLine(x: ArrayLike<number>, y: ArrayLike<number>, weights?: ArrayLike<number>): LineFit {
  const n = x.length;
  let sw = 0;
  let mx = 0;
  let my = 0;
  if (weights) {
    for (let i = 0; i < n; i++) {
      sw += weights[i];
      mx += weights[i] * x[i];
      my += weights[i] * y[i];
    }
  } else {
    sw = n;
    for (let i = 0; i < n; i++) {
      mx += x[i];
      my += y[i];
    }
  }
  mx /= sw;
  my /= sw;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    const w = weights ? weights[i] : 1;
    sxx += w * dx * dx;
    sxy += w * dx * dy;
    syy += w * dy * dy;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx, meanX: mx, meanY: my, sxx, sxy, syy };
}
