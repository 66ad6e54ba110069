// The fused wasm Adam(W) against tfjs's AdamOptimizer on the same model and batches.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { buildModel } from "../../src/model/index.js";
import { computeLoss } from "../../src/train/losses.js";
import { createAdam } from "../../src/train/optimizer.js";
import { maxAbsError, randomArray } from "../backend/arrays.js";

const { tf } = await selectBackend({ name: "wasm" });

// After one step both see the same gradients, so the weights must agree to float32 rounding;
// later steps may differ by a whole learning rate where a gradient is ~0 and rounding flips
// the sign of m/sqrt(v), so those are compared through the loss.
test("fused Adam(W) on wasm follows tfjs's Adam (plus decoupled decay)", async () => {
  for (const weightDecay of [0, 0.01]) {
    const weights: Float32Array[][] = [];
    const losses: number[][] = [];
    for (const fused of [true, false]) {
      const model = buildModel({ preset: "tiny", arch: "care", scale: 1 }, 9);
      const vars = model.trainableVariables();
      const opt = createAdam(tf, { learningRate: 1e-3, weightDecay: weightDecay * 10, fused });
      const before = tf.memory().numTensors;
      const trace: number[] = [];
      for (let s = 0; s < 6; s++) {
        const x = tf.tensor4d(randomArray(2 * 16 * 16, s, 0.3), [2, 16, 16, 1]) as Tensor4D;
        const y = tf.tensor4d(randomArray(2 * 16 * 16, 50 + s, 0.3), [2, 16, 16, 1]) as Tensor4D;
        const cost = opt.step(() => computeLoss("mse", model.apply(x), y, tf), vars);
        trace.push((await cost.data())[0]);
        tf.dispose([x, y, cost]);
        if (s === 0) weights.push(await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array)));
      }
      losses.push(trace);
      if (fused) assert.equal(tf.memory().numTensors, before, "the fused optimizer keeps no tensors");
      opt.dispose();
      model.dispose();
    }
    let worst = 0;
    weights[0].forEach((w, i) => (worst = Math.max(worst, maxAbsError(w, weights[1][i]))));
    assert.ok(worst < 1e-6, `weight decay ${weightDecay}: max |fused - tfjs| after one step = ${worst}`);
    for (let s = 0; s < 6; s++) assert.ok(Math.abs(losses[0][s] - losses[1][s]) <= 1e-2 * losses[1][s], `step ${s + 1} loss ${losses[0][s]} vs ${losses[1][s]}`);
  }
});
