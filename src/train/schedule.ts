// Learning-rate schedules.
//
// one-cycle: fastai v1's fit_one_cycle (Smith 2018) as PSSR trains: cosine warm-up from
// lrMax/div (div 25) to lrMax over the first pctStart (0.3) of the steps, then cosine
// annealing to lrMax/(div * 1e4).

export type ScheduleName = "one-cycle" | "constant";

export interface Schedule {
  name: ScheduleName;
  lrMax: number;
  totalSteps: number;
  pctStart?: number;
  div?: number;
  finalDiv?: number;
}

function cosine(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (1 + Math.cos(Math.PI * pct));
}

/** The learning rate at step `step` (0-based) of the schedule. */
export function learningRateAt(s: Schedule, step: number): number {
  if (s.name === "constant") return s.lrMax;
  const pctStart = s.pctStart ?? 0.3;
  const div = s.div ?? 25;
  const finalDiv = s.finalDiv ?? div * 1e4;
  const total = Math.max(1, s.totalSteps);
  const warm = Math.max(1, Math.round(total * pctStart));
  if (step < warm) return cosine(s.lrMax / div, s.lrMax, step / warm);
  const rest = Math.max(1, total - warm);
  return cosine(s.lrMax, s.lrMax / finalDiv, Math.min(1, (step - warm) / rest));
}

/**
 * The rate at `fraction` (0..1) of the run: the same one-cycle shape as learningRateAt, for
 * budget runs, whose rate follows the fraction of the budget's time used.
 */
export function learningRateAtFraction(s: Omit<Schedule, "totalSteps">, fraction: number): number {
  if (s.name === "constant") return s.lrMax;
  const pctStart = s.pctStart ?? 0.3;
  const div = s.div ?? 25;
  const finalDiv = s.finalDiv ?? div * 1e4;
  const p = Math.min(1, Math.max(0, fraction));
  if (p < pctStart) return cosine(s.lrMax / div, s.lrMax, p / pctStart);
  return cosine(s.lrMax, s.lrMax / finalDiv, (p - pctStart) / (1 - pctStart));
}
