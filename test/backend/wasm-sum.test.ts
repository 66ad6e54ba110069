// Our wasm Sum over leading axes (bias gradients) against the cpu backend's Sum, for every
// axis pattern, with and without keepDims (the other patterns go to tfjs's own wasm kernel).
import { test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/backend/index.js";
import { maxRelError, randomArray } from "./arrays.js";

await selectBackend({ name: "cpu" });
const { tf } = await selectBackend({ name: "wasm" });

test("wasm Sum equals cpu's for leading, trailing, mixed and all axes", async () => {
  const shape = [3, 5, 4, 7];
  const data = randomArray(3 * 5 * 4 * 7, 5);
  const patterns: (number | number[] | undefined)[] = [0, [0, 1], [0, 1, 2], [1, 0], [-4, -3], 3, [1, 2], [0, 2], undefined];
  for (const axis of patterns) {
    for (const keepDims of [false, true]) {
      const out: { shape: number[]; data: Float32Array }[] = [];
      for (const backend of ["wasm", "cpu"]) {
        await tf.setBackend(backend);
        const y = tf.sum(tf.tensor(data, shape), axis, keepDims);
        out.push({ shape: y.shape, data: (await y.data()) as Float32Array });
        y.dispose();
      }
      await tf.setBackend("wasm");
      assert.deepEqual(out[0].shape, out[1].shape, `axis ${axis} keepDims ${keepDims}`);
      assert.ok(maxRelError(out[0].data, out[1].data) < 1e-5, `axis ${axis} keepDims ${keepDims}: rel error ${maxRelError(out[0].data, out[1].data)}`);
    }
  }
});
