// Reliability measures against independent references (scipy quad for the Laplace-ensemble
// Jensen-Shannon divergence, scipy.stats for Spearman, Mann-Whitney AUC and Laplace intervals),
// their limits, and the calibration procedure on synthetic data with known heteroscedastic noise.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  aucWorstFraction,
  coverage,
  ensembleStd,
  errorRanking,
  fitScaleCalibration,
  intervalHalfWidth,
  laplaceDisagreement,
  laplaceInterval,
  laplaceJsdBits,
  reliabilityDiagram,
  spearman,
} from "../../src/metrics/uncertainty.js";
import { PssrError } from "../../src/errors.js";
import { blockMean } from "../../src/image/block-mean.js";
import { runPython } from "../helpers.js";
import { gaussianNoise, uniform } from "./util.js";

test("Laplace-ensemble disagreement (bits) matches scipy quad of the mean KL to the mixture within 1e-3", () => {
  const u = uniform(19);
  const cases: { mu: number[]; b: number[] }[] = [];
  for (let i = 0; i < 36; i++) {
    const k = 2 + (i % 4);
    const spread = [0.01, 0.3, 1, 3, 30][i % 5];
    const mu = Array.from({ length: k }, () => 100 + spread * (u() - 0.5) * 4);
    // Scales from 0.05 to 20 (ratios up to 400 between members).
    const b = Array.from({ length: k }, () => Math.exp(Math.log(0.05) + u() * Math.log(400)));
    cases.push({ mu, b });
  }
  cases.push({ mu: [0, 1e-3], b: [1, 1] }, { mu: [0, 0], b: [1, 2] }, { mu: [0, 0, 0, 0, 5], b: [1, 1, 1, 1, 1] });
  const ref = JSON.parse(runPython("uncertainty_ref.py", ["jsd"], JSON.stringify({ cases }))).bits as number[];
  let worst = 0;
  for (const [i, c] of cases.entries()) {
    const ours = laplaceJsdBits(c.mu, c.b);
    worst = Math.max(worst, Math.abs(ours - ref[i]));
    assert.ok(Math.abs(ours - ref[i]) < 1e-3, `case ${i} (${JSON.stringify(c)}): ours ${ours} vs scipy ${ref[i]}`);
    assert.ok(ours >= 0 && ours <= Math.log2(c.mu.length) + 1e-9, `case ${i}: ${ours} outside [0, log2 K]`);
  }
  assert.ok(worst < 1e-3);
  console.log(`worst |ours - scipy| over ${cases.length} cases: ${worst.toExponential(2)} bits`);
});

test("disagreement limits: identical members give 0, non-overlapping members log2(K), shifts and units do not matter", () => {
  assert.equal(laplaceJsdBits([3, 3, 3], [0.5, 0.5, 0.5]), 0);
  for (const k of [2, 3, 5]) {
    const mu = Array.from({ length: k }, (_, i) => i * 1e4);
    assert.ok(Math.abs(laplaceJsdBits(mu, Array(k).fill(1)) - Math.log2(k)) < 1e-6, `K=${k}`);
  }
  // Tiny differences give tiny values (continuity at 0).
  assert.ok(laplaceJsdBits([0, 1e-6], [1, 1]) < 1e-5);
  // Invariant to a common shift and a common change of units (mu and b scaled together).
  const a = laplaceJsdBits([0.1, 0.4, -0.2], [0.3, 0.2, 0.5]);
  const b = laplaceJsdBits([0.7, 2.8, -1.4].map((v) => v + 5000), [2.1, 1.4, 3.5]); // x7, +5000
  assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  // The per-pixel map equals the scalar function, pixel by pixel.
  const means = [Float32Array.from([0, 1, 2]), Float32Array.from([0, 1.5, 2])];
  const scales = [Float32Array.from([1, 1, 0.2]), Float32Array.from([1, 0.5, 0.2])];
  const map = laplaceDisagreement(means, scales);
  assert.equal(map[0], 0);
  assert.ok(Math.abs(map[1] - laplaceJsdBits([1, 1.5], [1, 0.5])) < 1e-6);
  assert.equal(map[2], 0);
  assert.throws(() => laplaceDisagreement(means, [scales[0], Float32Array.from([1, 0, 1])]), (e: unknown) => e instanceof PssrError && /scale must be > 0/.test(e.message));
  assert.deepEqual(Array.from(ensembleStd(means)), [0, 0.25, 0]);
});

test("Spearman and worst-10% AUC on 8x8 block means match scipy.stats", () => {
  const h = 83;
  const w = 77; // partial blocks at the edges are dropped on both sides
  const n = h * w;
  const u = uniform(5);
  const truth = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 97));
  const pred = Float32Array.from(truth, (v, i) => v + (u() - 0.5) * (1 + ((i % w) / w) * 3));
  // A map that partly knows where the error is, with ties (rounded).
  const map = Float32Array.from({ length: n }, (_, i) => Math.round(((i % w) / w + u()) * 4) / 4);
  const ours = errorRanking({ data: map, height: h, width: w }, { data: pred, height: h, width: w }, { data: truth, height: h, width: w });
  const ref = JSON.parse(runPython("uncertainty_ref.py", ["rank"], JSON.stringify({ map: Array.from(map), pred: Array.from(pred), truth: Array.from(truth), h, w, block: 8, fraction: 0.1 })));
  assert.equal(ours.blocks, ref.blocks);
  assert.ok(Math.abs(ours.spearman - ref.spearman) < 1e-9, `spearman ${ours.spearman} vs ${ref.spearman}`);
  assert.ok(Math.abs(ours.auc - ref.auc) < 1e-9, `auc ${ours.auc} vs ${ref.auc}`);
  assert.ok(ours.spearman > 0.2, "the map does carry information here");
  // Perfect and inverted scores.
  const e = Float64Array.from({ length: 50 }, (_, i) => i);
  assert.equal(aucWorstFraction(e, e, 0.1), 1);
  assert.equal(aucWorstFraction(e.map((v) => -v), e, 0.1), 0);
  assert.equal(spearman(e, e.map((v) => v ** 3)), 1);
  assert.equal(blockMean({ data: new Float32Array(17 * 9).fill(2), height: 17, width: 9 }, 8).data.length, 2);
});

test("Laplace central intervals match scipy.stats.laplace.interval", () => {
  const ps = [0.5, 0.8, 0.9, 0.95, 0.99];
  const ref = JSON.parse(runPython("uncertainty_ref.py", ["interval"], JSON.stringify({ p: ps }))).half as number[];
  ps.forEach((p, i) => assert.ok(Math.abs(intervalHalfWidth(p) - ref[i]) < 1e-12, `P=${p}`));
  const { lower, upper } = laplaceInterval([10], [2], 0.9);
  assert.ok(Math.abs(upper[0] - (10 + 2 * ref[2])) < 1e-5 && Math.abs(lower[0] - (10 - 2 * ref[2])) < 1e-5);
  assert.throws(() => intervalHalfWidth(1), PssrError);
});

/** Laplace(0, 1) samples by inversion. */
function laplaceNoise(n: number, seed: number): Float32Array {
  const u = uniform(seed);
  return Float32Array.from({ length: n }, () => {
    const v = u() - 0.5;
    return -Math.sign(v) * Math.log(1 - 2 * Math.abs(v));
  });
}

test("calibration on synthetic heteroscedastic noise: coverage of held-out pixels within 2 points of P", () => {
  const n = 40_000;
  const levels = [0.5, 0.8, 0.9, 0.95];
  // Known per-pixel noise level varying 40x across the image; the "model" gets the shape of
  // the noise wrong in two ways: Laplace noise with scales off by 2.5x (a factor fixes it), and
  // Gaussian noise (not Laplace at all) with scales off by a factor (only the monotone map fixes
  // every level at once).
  const sigma = Float32Array.from({ length: n }, (_, i) => 0.01 + 0.4 * (0.5 + 0.5 * Math.sin(i / 500)) ** 2);
  const mean = Float32Array.from({ length: n }, (_, i) => Math.cos(i / 300));
  for (const [kind, noise] of [
    ["laplace", laplaceNoise(n, 11)],
    ["gaussian", gaussianNoise(n, 12)],
  ] as const) {
    const truth = Float32Array.from(mean, (m, i) => m + sigma[i] * noise[i]);
    const predictedScale = Float32Array.from(sigma, (s) => s * 2.5);
    // Fit on the even pixels, check on the odd ones (never used by the fit).
    const pick = (a: Float32Array, r: number) => a.filter((_, i) => i % 2 === r);
    const fitT = pick(truth, 0);
    const testT = pick(truth, 1);
    const before = reliabilityDiagram(testT, pick(mean, 1), pick(predictedScale, 1), levels);
    assert.ok(before.some((r) => Math.abs(r.observed - r.nominal) > 0.1), `${kind}: uncalibrated scales are off (${JSON.stringify(before)})`);
    for (const method of ["factor", "quantile"] as const) {
      const cal = fitScaleCalibration(fitT, pick(mean, 0), pick(predictedScale, 0), method);
      const after = reliabilityDiagram(testT, pick(mean, 1), pick(predictedScale, 1), levels, cal);
      const worst = Math.max(...after.map((r) => Math.abs(r.observed - r.nominal)));
      if (method === "quantile" || kind === "laplace") assert.ok(worst <= 0.02, `${kind}/${method}: ${JSON.stringify(after)}`);
      else assert.ok(worst > 0.02, `gaussian/factor is expected to miss some level (${JSON.stringify(after)}): the reason for the monotone map`);
      if (kind === "laplace") assert.ok(Math.abs(cal.factor - 0.4) < 0.01, `factor ${cal.factor} should recover 1/2.5`);
    }
  }
  // Coverage helper and bad input.
  assert.equal(coverage([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1]), 0.5);
  assert.throws(() => fitScaleCalibration([1], [1], [1]), /at least 100/);
  assert.throws(() => fitScaleCalibration(new Float32Array(200), new Float32Array(200), new Float32Array(200)), /non-finite/);
});
