// The one least-squares line (error map, norm_minmse, noise calibration) against numpy.polyfit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fitLine } from "../../src/image/line-fit.js";
import { runPython } from "../helpers.js";

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

test("fitLine equals numpy.polyfit (plain, weighted, large offset)", () => {
  const r = seeded(7);
  const cases: { x: number[]; y: number[]; w: number[] | null }[] = [];
  const x1 = Array.from({ length: 500 }, () => r() * 10);
  cases.push({ x: x1, y: x1.map((v) => 2.5 * v - 3 + (r() - 0.5)), w: null });
  cases.push({ x: x1, y: x1.map((v) => -0.7 * v + 40 + 3 * (r() - 0.5)), w: x1.map(() => 0.1 + r() * 5) });
  // A large offset, where raw-sum normal equations lose digits.
  const x3 = Array.from({ length: 300 }, () => 1e6 + r());
  cases.push({ x: x3, y: x3.map((v) => 3 * (v - 1e6) + 1 + 0.01 * (r() - 0.5)), w: null });
  const ref = JSON.parse(runPython("line_fit.py", [], JSON.stringify(cases))) as [number, number][];
  cases.forEach((c, i) => {
    const ours = fitLine(c.x, c.y, c.w ?? undefined);
    const [slope, intercept] = ref[i];
    assert.ok(Math.abs(ours.slope - slope) <= 1e-9 * Math.max(1, Math.abs(slope)), `case ${i}: slope ${ours.slope} vs ${slope}`);
    assert.ok(Math.abs(ours.intercept - intercept) <= 1e-6 * Math.max(1, Math.abs(intercept)), `case ${i}: intercept ${ours.intercept} vs ${intercept}`);
  });
});

test("fitLine's sums give numpy.corrcoef's Pearson r", () => {
  const r = seeded(11);
  const x = Array.from({ length: 400 }, () => r());
  const y = x.map((v) => 0.3 * v + 0.2 * r());
  const ref = JSON.parse(runPython("line_fit.py", ["--corrcoef"], JSON.stringify([{ x, y, w: null }]))) as number[];
  const f = fitLine(x, y);
  assert.ok(Math.abs(f.sxy / Math.sqrt(f.sxx * f.syy) - ref[0]) < 1e-12, `${f.sxy / Math.sqrt(f.sxx * f.syy)} vs ${ref[0]}`);
});

test("fitLine: x without spread gives slope 0 and the mean of y", () => {
  const f = fitLine([2, 2, 2], [1, 2, 6], [1, 1, 2]);
  assert.equal(f.slope, 0);
  assert.equal(f.intercept, (1 + 2 + 12) / 4);
});
