// Our WebAssembly convolution module (native/conv.c) against tfjs's cpu backend and PyTorch:
// forward (with bias and ReLU), filter and input gradients over geometries that reach every
// blocking edge (rows not a multiple of 4 or 64, channels not a multiple of 4 or 8, K above
// the 256 block, outputs above the 512 block), strides, dilations and explicit paddings, and the
// one-output-channel kernels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { Tensor, Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend, wasmConvStatus } from "../../src/backend/index.js";
import { repoRoot } from "../helpers.js";
import { maxRelError, randomArray, runTorch } from "./arrays.js";

await selectBackend({ name: "cpu" });
const { tf } = await selectBackend({ name: "wasm" });

type Pad = "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number;
  dil: number;
  pad: Pad;
}
const CASES: Case[] = [
  { x: [1, 5, 7, 1], k: [3, 3], co: 9, stride: 1, dil: 1, pad: "same" },
  { x: [3, 11, 13, 5], k: [3, 3], co: 7, stride: 1, dil: 1, pad: "same" },
  { x: [2, 17, 9, 37], k: [3, 3], co: 33, stride: 1, dil: 1, pad: "valid" }, // K = 333 > 256
  { x: [1, 6, 6, 300], k: [1, 1], co: 520, stride: 1, dil: 1, pad: "same" }, // pointwise, N > 512
  { x: [2, 12, 10, 6], k: [5, 3], co: 12, stride: 2, dil: 1, pad: "same" },
  { x: [2, 13, 14, 4], k: [3, 3], co: 8, stride: 1, dil: 2, pad: "same" },
  { x: [1, 15, 16, 3], k: [3, 3], co: 10, stride: 3, dil: 1, pad: "valid" },
  { x: [2, 9, 9, 8], k: [3, 3], co: 16, stride: 1, dil: 1, pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
  { x: [2, 16, 16, 16], k: [3, 3], co: 32, stride: 2, dil: 1, pad: "same" },
  { x: [4, 4, 4, 64], k: [3, 3], co: 64, stride: 1, dil: 1, pad: "same" },
  { x: [1, 70, 3, 2], k: [1, 1], co: 3, stride: 1, dil: 1, pad: "valid" }, // M = 210 rows, 3 outputs
  // One output channel (a network's last conv) has its own kernels.
  { x: [2, 12, 11, 37], k: [3, 3], co: 1, stride: 1, dil: 1, pad: "same" },
  { x: [2, 12, 11, 6], k: [3, 5], co: 1, stride: 2, dil: 1, pad: "valid" },
  { x: [1, 10, 12, 16], k: [3, 3], co: 1, stride: 1, dil: 2, pad: "same" },
  { x: [2, 9, 8, 32], k: [1, 1], co: 1, stride: 1, dil: 1, pad: [[0, 0], [1, 0], [0, 2], [0, 0]] },
];

const label = (c: Case) => `x ${c.x} k ${c.k} co ${c.co} s${c.stride} d${c.dil} ${JSON.stringify(c.pad)}`;

function info(c: Case) {
  return tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.co], c.stride, c.dil, c.pad);
}

/** Forward (fused bias + ReLU and plain), dx and dW of sum(conv(x, w) * dy) on one backend. */
async function run(backend: string, c: Case, x: Float32Array, w: Float32Array, bias: Float32Array, dy: Float32Array, yShape: number[]) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const xs = tf.tensor4d(x, c.x);
  const ws = tf.tensor4d(w, [c.k[0], c.k[1], c.x[3], c.co]);
  const bs = tf.tensor1d(bias);
  const conv = (a: Tensor, b: Tensor) => tf.conv2d(a as Tensor4D, b as Tensor4D, c.stride, c.pad as never, "NHWC", c.dil);
  const y = conv(xs, ws);
  const fused = tf.fused.conv2d({ x: xs, filter: ws, strides: c.stride, pad: c.pad as never, dilations: c.dil, bias: bs, activation: "relu" });
  // tfjs has no gradient for dilated convolutions (so nothing asks our kernels for one).
  const [dx, dw] = c.dil === 1 ? tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(conv(a, b), tf.tensor(dy, yShape))))([xs, ws]) : [tf.zeros([1]), tf.zeros([1])];
  const out = {
    y: (await y.data()) as Float32Array,
    fused: (await fused.data()) as Float32Array,
    dx: (await dx.data()) as Float32Array,
    dw: (await dw.data()) as Float32Array,
  };
  tf.dispose([xs, ws, bs, y, fused, dx, dw]);
  assert.equal(tf.memory().numTensors, before, `no tensor left behind on ${backend}`);
  await tf.setBackend("wasm");
  return out;
}

test("our convolution module serves the wasm backend", () => {
  assert.equal(wasmConvStatus(), "on");
});

test("our wasm convolution module equals the cpu backend and PyTorch (forward, fused, dx, dW)", async () => {
  const torchCases: object[] = [];
  const inputs: Record<string, Float32Array> = {};
  const ours: Record<string, { y: Float32Array; dx: Float32Array; dw: Float32Array }> = {};
  for (const [i, c] of CASES.entries()) {
    const g = info(c);
    const yShape = [c.x[0], g.outHeight, g.outWidth, c.co];
    const x = randomArray(c.x.reduce((a, b) => a * b), 100 + i);
    const w = randomArray(c.k[0] * c.k[1] * c.x[3] * c.co, 200 + i);
    const bias = randomArray(c.co, 300 + i);
    const dy = randomArray(yShape.reduce((a, b) => a * b), 400 + i);
    const wasm = await run("wasm", c, x, w, bias, dy, yShape);
    const cpu = await run("cpu", c, x, w, bias, dy, yShape);
    for (const key of ["y", "fused", "dx", "dw"] as const) {
      const err = maxRelError(wasm[key], cpu[key]);
      assert.ok(err < 1e-5, `${key} vs cpu, ${label(c)}: ${err}`);
    }
    const p = g.padInfo;
    const name = `c${i}`;
    torchCases.push({ name, x: c.x, w: [c.k[0], c.k[1], c.x[3], c.co], stride: c.stride, dilation: c.dil, pads: [p.top, p.bottom, p.left, p.right] });
    Object.assign(inputs, { [`${name}_x`]: x, [`${name}_w`]: w, [`${name}_dy`]: dy });
    ours[name] = wasm;
  }
  const ref = runTorch("torch_conv_grads.py", { cases: torchCases }, inputs);
  for (const [name, g] of Object.entries(ours)) {
    for (const key of ["y", "dx", "dw"] as const) {
      if (key !== "y" && g.dx.length === 1) continue; // dilated: forward only
      const err = maxRelError(g[key], ref[`${name}_${key}`]);
      assert.ok(err < 1e-4, `${key} vs torch ${name}: ${err}`);
    }
  }
});

test("the committed module is the build of native/conv.c (when clang is installed)", (t) => {
  try {
    execFileSync("clang-14", ["--version"], { stdio: "ignore" });
  } catch {
    t.skip("clang-14 is not installed (test/install-deps.sh installs it)");
    return;
  }
  const out = execFileSync(process.execPath, [join(repoRoot, "native", "build.mjs"), "--check"], { encoding: "utf8" });
  assert.match(out, /matches native\/conv\.c/);
});
