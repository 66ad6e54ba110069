// Tiled prediction: equals whole-image prediction in the interior, no leaks, stacks and
// time-lapses keep their frame count, baselines, pixel-size warnings.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Variable } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { buildModel } from "../../src/model/index.js";
import { predictBaseline, predictEnsemble, predictImage, predictNormalized, predictWhole } from "../../src/predict/index.js";
import type { Image } from "../../src/image/image.js";
import { randomArray } from "../backend/arrays.js";

const { tf } = await selectBackend({ name: "wasm" });

/** A smooth random field in [0, 1] (structures the network reacts to, unlike white noise). */
function field(h: number, w: number, seed: number): Float32Array {
  const r = randomArray(12, seed);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      out[y * w + x] = 0.5 + 0.2 * Math.sin(x * 0.21 * (1 + r[0] * 0.2) + r[1]) * Math.cos(y * 0.17 * (1 + r[2] * 0.2) + r[3]) + 0.1 * Math.sin((x + y) * 0.05 + r[4]);
  return out;
}

test("tiled prediction (default overlap 64) equals whole-image prediction within 1e-3", async () => {
  for (const arch of ["resunet-lr", "care", "resunet"] as const) {
    const scale = arch === "care" ? 1 : 2;
    const model = buildModel({ preset: "tiny", arch, scale }, 5);
    // Output convs start at zero (the net starts as bilinear/identity): give them weights so
    // that the whole network's reach is exercised.
    for (const [name, v] of Object.entries(model.namedWeights())) {
      if (name.endsWith("/kernel") && (await tf.max(tf.abs(v)).data())[0] === 0) (v as Variable).assign(tf.randomNormal(v.shape, 0, 0.1, "float32", 1));
    }
    const h = 150;
    const w = 134;
    const input = { data: field(h, w, 3), height: h, width: w, frames: 1 };
    const before = tf.memory().numTensors;
    const whole = predictWhole(model, input);
    const tiled = predictNormalized(model, input, { tilePx: 96, overlapPx: 64, batchSize: 2 });
    assert.equal(tf.memory().numTensors, before, "no tensors left behind");
    assert.equal(tiled.mean.height, h * scale);
    let maxErr = 0;
    let maxVal = 0;
    for (let i = 0; i < whole.data.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(whole.data[i] - tiled.mean.data[i]));
      maxVal = Math.max(maxVal, Math.abs(whole.data[i]));
    }
    assert.ok(maxVal > 0.1, "the prediction is not trivially zero");
    assert.ok(maxErr < 1e-3, `${arch}: max |tiled - whole| = ${maxErr}`);
    model.dispose();
  }
});

test("stacks and 5-frame time-lapses keep their frame count; output maps back to input units", () => {
  const single = buildModel({ preset: "tiny", arch: "resunet-lr", scale: 2 }, 1);
  const t = 3;
  const h = 24;
  const w = 20;
  const data = new Float32Array(t * h * w);
  for (let i = 0; i < t; i++) data.set(field(h, w, i).map((v) => 1000 + 500 * v), i * h * w);
  const img: Image = { data, shape: [t, h, w], axes: "TYX", pixelSize: { value: 8, unit: "nm" }, dtype: "float32" };
  const r = predictImage(single, img, { tilePx: 16, overlapPx: 8 });
  assert.deepEqual(r.image.shape, [t, h * 2, w * 2]);
  assert.equal(r.image.pixelSize?.value, 4);
  const mean = (r.image.data as Float32Array).reduce((a, b) => a + b, 0) / r.image.data.length;
  assert.ok(mean > 500 && mean < 2500, `output in input units, mean ${mean}`);
  single.dispose();
  const multi = buildModel({ preset: "tiny", arch: "care", scale: 1, inChannels: 5 }, 1);
  const rm = predictImage(multi, img, { expectedPixelSizeNm: 4 });
  assert.deepEqual(rm.image.shape, [t, h, w]);
  assert.equal(rm.warnings.length, 1);
  assert.match(rm.warnings[0], /more than 25%/);
  multi.dispose();
});

test("a probabilistic model returns a positive scale map; baselines share the call shape", () => {
  const model = buildModel({ preset: "tiny", arch: "care", scale: 1, probabilistic: true }, 2);
  const img: Image = { data: field(16, 16, 1), shape: [16, 16], axes: "YX", pixelSize: null, dtype: "float32" };
  const r = predictImage(model, img);
  assert.ok(r.scale && r.scale.data.every((v) => v > 0));
  model.dispose();
  for (const method of ["nearest", "bilinear", "bicubic"] as const) {
    const b = predictBaseline(img, 4, method);
    assert.deepEqual(b.shape, [64, 64]);
  }
  assert.throws(() => predictBaseline(img, 4, "lanczos" as never), /valid: nearest, bilinear, bicubic/);
});

test("an ensemble returns the members' mean and standard deviation per pixel", () => {
  const img: Image = { data: field(16, 16, 2), shape: [16, 16], axes: "YX", pixelSize: null, dtype: "float32" };
  const models = [1, 2, 3].map((seed) => buildModel({ preset: "tiny", arch: "care", scale: 1 }, seed));
  // Different output weights so that the members disagree.
  models.forEach((m, i) => (m.namedWeights()["out/mean/bias"] as Variable).assign(tf.fill([1], 0.1 * i)));
  const members = models.map((m) => predictImage(m, img).image.data as Float32Array);
  const e = predictEnsemble(models, img);
  for (const i of [0, 37, 255]) {
    const v = members.map((d) => d[i]);
    const mu = (v[0] + v[1] + v[2]) / 3;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / 3);
    assert.ok(Math.abs((e.mean.data as Float32Array)[i] - mu) < 1e-4);
    assert.ok(Math.abs((e.disagreement.data as Float32Array)[i] - sd) < 1e-4);
  }
  assert.ok((e.disagreement.data as Float32Array)[0] > 0);
  models.forEach((m) => m.dispose());
});
