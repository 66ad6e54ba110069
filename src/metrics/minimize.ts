// Bounded scalar minimisation: Brent's method (golden section + parabolic interpolation), in
// the form of scipy.optimize.fminbound / Numerical Recipes' brent.

export interface MinimizeResult {
  x: number;
  fx: number;
  evaluations: number;
}

/**
 * Minimises f on [lo, hi] (f assumed unimodal there) to absolute tolerance `xtol` in x.
 * As scipy.optimize.fminbound (xatol default 1e-5, at most 500 evaluations).
 */
export function minimizeBounded(f: (x: number) => number, lo: number, hi: number, options: { xtol?: number; maxEvaluations?: number } = {}): MinimizeResult {
  const xtol = options.xtol ?? 1e-5;
  const maxEval = options.maxEvaluations ?? 500;
  if (!(hi > lo)) {
    const fx = f(lo);
    return { x: lo, fx, evaluations: 1 };
  }
  const golden = 0.5 * (3 - Math.sqrt(5));
  const sqrtEps = Math.sqrt(2.2e-16);
  let a = lo;
  let b = hi;
  let v = a + golden * (b - a);
  let w = v;
  let x = v;
  let e = 0;
  let d = 0;
  let fx = f(x);
  let evals = 1;
  let fv = fx;
  let fw = fx;
  let xm = 0.5 * (a + b);
  let tol1 = sqrtEps * Math.abs(x) + xtol / 3;
  let tol2 = 2 * tol1;
  while (Math.abs(x - xm) > tol2 - 0.5 * (b - a)) {
    let golden_step = true;
    if (Math.abs(e) > tol1) {
      // Parabolic fit through x, v, w.
      let r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      r = e;
      e = d;
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = xm >= x ? tol1 : -tol1;
        golden_step = false;
      }
    }
    if (golden_step) {
      e = x >= xm ? a - x : b - x;
      d = golden * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
    const fu = f(u);
    evals++;
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
    if (evals >= maxEval) break;
    xm = 0.5 * (a + b);
    tol1 = sqrtEps * Math.abs(x) + xtol / 3;
    tol2 = 2 * tol1;
  }
  // The ends are never evaluated by Brent; check them so a monotone cost reports its bound.
  for (const end of [lo, hi]) {
    const fe = f(end);
    evals++;
    if (fe < fx) {
      fx = fe;
      x = end;
    }
  }
  return { x, fx, evaluations: evals };
}
