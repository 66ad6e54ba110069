// Our networks against a PyTorch twin (test/ref/torch_resunet.py) with the same weights.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Variable } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { buildModel } from "../../src/model/index.js";
import { maxRelError, randomArray, runTorch } from "../backend/arrays.js";

const { tf } = await selectBackend({ name: "wasm" });

test("resunet-lr and resunet forward passes equal PyTorch's with the same weights", async () => {
  for (const [arch, scale, frames] of [["resunet-lr", 4, 1], ["resunet-lr", 2, 5], ["resunet", 2, 1]] as const) {
    const model = buildModel({ preset: "tiny", arch, scale, inChannels: frames }, 4);
    // Non-zero biases so that they are exercised too.
    for (const [name, v] of Object.entries(model.namedWeights())) {
      if (name.endsWith("/bias")) (v as Variable).assign(tf.tensor(randomArray(v.size, name.length, 0.05), v.shape));
    }
    const shape: [number, number, number, number] = [2, 12, 16, frames];
    const x = randomArray(shape.reduce((a, b) => a * b), 3, 0.5);
    const y = tf.tidy(() => model.apply(tf.tensor4d(x, shape)));
    const ours = (await y.data()) as Float32Array;
    y.dispose();
    const entries = Object.entries(model.namedWeights());
    const inputs: Record<string, Float32Array> = { x };
    entries.forEach(([, v], i) => (inputs[`w_${i}`] = v.dataSync() as Float32Array));
    const ref = runTorch("torch_resunet.py", { mode: "forward", spec: model.spec, x: shape, weights: entries.map(([name, v]) => ({ name, shape: v.shape })) }, inputs);
    const err = maxRelError(ours, ref.y);
    assert.ok(err < 1e-4, `${arch} x${scale} ${frames} frames: relative error ${err}`);
    model.dispose();
  }
});
