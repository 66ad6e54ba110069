// Reliability outputs of prediction: the Laplace scale map is in the output's units, the
// calibration multiplies it and shapes the intervals, and the ensemble's disagreement maps are
// the measures of src/metrics/uncertainty.ts applied to the members' own predictions.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Variable } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { buildModel } from "../../src/model/index.js";
import type { RestorationModel } from "../../src/model/index.js";
import { predictEnsemble, predictImage, predictionInterval } from "../../src/predict/index.js";
import { ensembleStd, fitScaleCalibration, intervalHalfWidth, laplaceDisagreement } from "../../src/metrics/uncertainty.js";
import type { Image } from "../../src/image/image.js";
import { randomArray } from "../backend/arrays.js";

const { tf } = await selectBackend({ name: "wasm" });

function field(h: number, w: number, seed: number): Float32Array {
  const r = randomArray(6, seed);
  return Float32Array.from({ length: h * w }, (_, i) => 0.5 + 0.3 * Math.sin((i % w) * 0.3 + r[0]) * Math.cos(Math.floor(i / w) * 0.23 + r[1]) + 0.05 * r[2]);
}

/** A probabilistic CARE model whose zero-initialised output convolutions get random weights. */
async function laplaceModel(seed: number, probabilistic = true): Promise<RestorationModel> {
  const model = buildModel({ preset: "tiny", arch: "care", scale: 1, probabilistic }, seed);
  for (const [name, v] of Object.entries(model.namedWeights())) {
    if (name.endsWith("/kernel") && (await tf.max(tf.abs(v)).data())[0] === 0) (v as Variable).assign(tf.randomNormal(v.shape, 0, 0.2, "float32", seed));
  }
  return model;
}

const img = (data: Float32Array, h: number, w: number): Image => ({ data, shape: [h, w], axes: "YX", pixelSize: null, dtype: "float32" });

test("the Laplace scale map is in the output's units: an affine change of the input scales it by the gain", async () => {
  const model = await laplaceModel(3);
  const h = 40;
  const w = 36;
  const x = field(h, w, 1);
  const a = predictImage(model, img(x, h, w));
  const b = predictImage(model, img(x.map((v) => 250 * v + 1000), h, w));
  const ma = a.image.data as Float32Array;
  const mb = b.image.data as Float32Array;
  const sa = a.scale!.data as Float32Array;
  const sb = b.scale!.data as Float32Array;
  let worstMean = 0;
  let worstScale = 0;
  for (let i = 0; i < ma.length; i++) {
    worstMean = Math.max(worstMean, Math.abs(mb[i] - (250 * ma[i] + 1000)) / 250);
    worstScale = Math.max(worstScale, Math.abs(sb[i] - 250 * sa[i]) / (250 * sa[i]));
  }
  assert.ok(worstMean < 1e-4, `mean: ${worstMean}`);
  assert.ok(worstScale < 1e-4, `scale: relative ${worstScale}`);
  assert.ok(Math.max(...sa) > Math.min(...sa) * 1.01, "the scale varies per pixel");
  // A calibration multiplies the map by its factor; intervals use the monotone map on raw scales.
  const u = randomArray(400, 9);
  const cal = fitScaleCalibration(u.map((v) => v * 3), new Float32Array(400), new Float32Array(400).fill(1), "quantile");
  const c = predictImage(model, img(x, h, w), { calibration: cal });
  const sc = c.scale!.data as Float32Array;
  for (let i = 0; i < sa.length; i += 97) assert.ok(Math.abs(sc[i] - cal.factor * sa[i]) < 1e-5 * sc[i]);
  for (const p of [0.5, 0.9]) {
    const { lower, upper } = predictionInterval(c, p);
    const k = intervalHalfWidth(p, cal);
    const lo = lower.data as Float32Array;
    const up = upper.data as Float32Array;
    for (let i = 0; i < sa.length; i += 53) {
      assert.ok(Math.abs(up[i] - (ma[i] + k * sa[i])) < 1e-4, `upper at ${i}`);
      assert.ok(Math.abs(lo[i] - (ma[i] - k * sa[i])) < 1e-4, `lower at ${i}`);
    }
    // Uncalibrated: scipy's Laplace interval on the raw scale.
    const raw = predictionInterval(a, p);
    assert.ok(Math.abs((raw.upper.data as Float32Array)[7] - (ma[7] - Math.log(1 - p) * sa[7])) < 1e-5);
  }
  model.dispose();
});

test("ensemble disagreement: jsd is the per-pixel Laplace JSD of the members' own predictions; identical members give 0", async () => {
  const models = [await laplaceModel(1), await laplaceModel(2), await laplaceModel(4)];
  const h = 32;
  const w = 28;
  const input = img(field(h, w, 5).map((v) => 100 * v), h, w);
  const before = tf.memory().numTensors;
  const e = predictEnsemble(models, input, { measure: "jsd" });
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
  const singles = models.map((m) => predictImage(m, input));
  const expected = laplaceDisagreement(
    singles.map((s) => s.image.data as Float32Array),
    singles.map((s) => s.scale!.data as Float32Array),
  );
  const d = e.disagreement.data as Float32Array;
  for (let i = 0; i < d.length; i++) assert.ok(Math.abs(d[i] - expected[i]) < 1e-6, `pixel ${i}: ${d[i]} vs ${expected[i]}`);
  assert.ok(Math.max(...d) > 0.01 && Math.max(...d) <= Math.log2(3));
  assert.equal(e.disagreement.meta?.map, "jsd-bits");
  const sd = ensembleStd(singles.map((s) => s.image.data as Float32Array));
  assert.ok((e.std.data as Float32Array).every((v, i) => Math.abs(v - sd[i]) < 1e-6));
  assert.ok(e.scale, "all members have a Laplace head: the mean scale is returned");
  const same = predictEnsemble([models[0], models[0]], input, { measure: "jsd" });
  assert.ok((same.disagreement.data as Float32Array).every((v) => v === 0));
  // Members without a Laplace head: a constant scale from the card, or a clear refusal.
  const plain = [await laplaceModel(6, false), await laplaceModel(7, false)];
  assert.throws(() => predictEnsemble(plain, input, { measure: "jsd" }), /no Laplace head and its card records no validation residual scale/);
  const r = predictEnsemble(plain, input, { measure: "jsd" }, [{ residualScale: 0.05 }, { residualScale: 0.05 }]);
  const ps = plain.map((m) => predictImage(m, input));
  const norm = (ps[0].image.meta!.restoration as { normalization: { low: number; high: number } }).normalization;
  const b = 0.05 * (norm.high - norm.low);
  const exp2 = laplaceDisagreement(
    ps.map((p) => p.image.data as Float32Array),
    ps.map((p) => new Float32Array(p.image.data.length).fill(b)),
  );
  assert.ok((r.disagreement.data as Float32Array).every((v, i) => Math.abs(v - exp2[i]) < 1e-6));
  assert.equal(r.scale, undefined);
  for (const m of [...models, ...plain]) m.dispose();
});
