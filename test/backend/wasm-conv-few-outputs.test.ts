// Our wasm convolution for few output channels (1x1 conv to every tap, then shifted adds),
// forward and through its gradients, against the cpu backend's kernels.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Tensor, Tensor1D, Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { maxRelError, randomArray } from "./arrays.js";

await selectBackend({ name: "cpu" });
const { tf } = await selectBackend({ name: "wasm" });

const CASES = [
  { x: [2, 9, 11, 16], k: 3, co: 1, pad: "same", act: "linear" },
  { x: [1, 12, 7, 8], k: 5, co: 3, pad: "same", act: "relu" },
  { x: [2, 10, 10, 12], k: 3, co: 2, pad: "valid", act: "linear" },
  { x: [1, 6, 9, 32], k: 2, co: 1, pad: "same", act: "relu" },
  { x: [1, 8, 8, 9], k: 3, co: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]], act: "linear" },
] as const;

test("wasm convolutions with few output channels equal cpu's (fused with bias and ReLU, unfused, gradients)", async () => {
  for (const c of CASES) {
    const size = (c.x as readonly number[]).reduce((a, b) => a * b, 1);
    const x = randomArray(size, 3);
    const w = randomArray(c.k * c.k * c.x[3] * c.co, 4);
    const bias = randomArray(c.co, 5);
    const results: Float32Array[][] = [];
    for (const backend of ["wasm", "cpu"]) {
      await tf.setBackend(backend);
      const outs = tf.tidy(() => {
        const xt = tf.tensor4d(x, [...c.x] as [number, number, number, number]);
        const wt = tf.tensor4d(w, [c.k, c.k, c.x[3], c.co]);
        const bt = tf.tensor1d(bias);
        const fused = tf.fused.conv2d({ x: xt, filter: wt, strides: 1, pad: c.pad as never, bias: bt, activation: c.act });
        const plain = tf.conv2d(xt, wt, 1, c.pad as never);
        const f = (a: Tensor, b: Tensor, d: Tensor) =>
          tf.sum(tf.square(tf.fused.conv2d({ x: a as Tensor4D, filter: b as Tensor4D, strides: 1, pad: c.pad as never, bias: d as Tensor1D, activation: c.act })));
        const grads = tf.grads(f)([xt, wt, bt]);
        return [fused, plain, ...grads];
      });
      results.push(await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array)));
      tf.dispose(outs);
    }
    await tf.setBackend("wasm");
    ["fused", "conv2d", "dx", "dw", "dbias"].forEach((name, i) => {
      const err = maxRelError(results[0][i], results[1][i]);
      assert.ok(err < 1e-4, `${JSON.stringify(c)} ${name}: rel error ${err}`);
    });
  }
});
