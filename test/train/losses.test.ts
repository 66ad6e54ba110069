// Losses against PyTorch on the same numbers: values and gradients.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Tensor, Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { PssrError } from "../../src/errors.js";
import { type LossName, computeLoss, msssimLevels, parseLossName } from "../../src/train/losses.js";
import { maxRelError, randomArray, runTorch } from "../backend/arrays.js";

const { tf } = await selectBackend({ name: "wasm" });

interface Case {
  name: string;
  loss: LossName;
  pred: [number, number, number, number];
  target: [number, number, number, number];
}

const CASES: Case[] = [
  { name: "mse", loss: "mse", pred: [2, 16, 12, 1], target: [2, 16, 12, 1] },
  { name: "l1", loss: "l1", pred: [2, 16, 12, 2], target: [2, 16, 12, 2] },
  { name: "l1means", loss: "l1", pred: [2, 16, 12, 2], target: [2, 16, 12, 1] },
  { name: "laplace", loss: "laplace", pred: [2, 16, 12, 2], target: [2, 16, 12, 1] },
  { name: "msssim5", loss: "msssim-l1", pred: [1, 176, 168, 1], target: [1, 176, 168, 1] },
  { name: "msssim3odd", loss: "msssim-l1", pred: [2, 67, 45, 1], target: [2, 67, 45, 1] },
  { name: "msssim2ch", loss: "msssim-l1", pred: [1, 64, 64, 2], target: [1, 64, 64, 2] },
];

test("losses and their gradients equal PyTorch's within 1e-4", async () => {
  const inputs: Record<string, Float32Array> = {};
  const ours: Record<string, { value: number; grad: Float32Array }> = {};
  for (const [i, c] of CASES.entries()) {
    const n = c.pred.reduce((a, b) => a * b);
    const target = randomArray(c.target.reduce((a, b) => a * b), 100 + i, 0.15).map((v) => v + 0.5);
    let pred = target.length === n ? target.map((v, j) => v + 0.1 * randomArray(1, 7 * j + i)[0]) : randomArray(n, 200 + i, 0.2).map((v) => v + 0.5);
    // Channels last: with 2 channels, odd indices are the Laplace scales (must be > 0).
    if (c.loss === "laplace") pred = pred.map((v, j) => (j % 2 === 1 ? Math.abs(v) + 0.05 : v));
    inputs[`${c.name}_pred`] = pred;
    inputs[`${c.name}_target`] = target;
    const t = tf.tensor4d(target, c.target);
    const p = tf.tensor4d(pred, c.pred);
    const g = tf.grad((x: Tensor) => computeLoss(c.loss, x as Tensor4D, t))(p);
    const v = computeLoss(c.loss, p, t);
    ours[c.name] = { value: (await v.data())[0], grad: (await g.data()) as Float32Array };
    tf.dispose([t, p, g, v]);
  }
  const ref = runTorch("torch_losses.py", { cases: CASES }, inputs);
  for (const c of CASES) {
    const refValue = ref[`${c.name}_value`][0];
    assert.ok(Math.abs(ours[c.name].value - refValue) <= 1e-4 * Math.max(1, Math.abs(refValue)), `${c.name}: ${ours[c.name].value} vs torch ${refValue}`);
    const err = maxRelError(ours[c.name].grad, ref[`${c.name}_grad`]);
    assert.ok(err < 1e-4, `${c.name} gradient vs torch: ${err}`);
  }
});

test("MS-SSIM scales: 5 above 160 px, fewer below; unknown loss names are errors", () => {
  assert.equal(msssimLevels(176), 5);
  assert.equal(msssimLevels(160), 4);
  assert.equal(msssimLevels(45), 3);
  assert.equal(msssimLevels(11), 1);
  assert.equal(msssimLevels(10), 0);
  assert.throws(() => parseLossName("ssim"), (e: unknown) => e instanceof PssrError && /valid: mse, l1, laplace, msssim-l1/.test(e.message));
});
