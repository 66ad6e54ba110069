// The gradient kernels we register for the wasm backend, checked against the cpu backend's
// own kernels and against PyTorch; plus every other gradient our models need, wasm vs cpu.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Tensor } from "@tensorflow/tfjs-core";
import { selectBackend, spaceToDepth } from "../../src/backend/index.js";
import { maxRelError, randomArray, runTorch } from "./arrays.js";

// Start cpu through selectBackend too, so that its kernel fixes are in place.
await selectBackend({ name: "cpu" });
const { tf } = await selectBackend({ name: "wasm" });

type Pad = "same" | "valid";
const CASES: { x: [number, number, number, number]; k: number; co: number; stride: number; pad: Pad }[] = [
  { x: [2, 9, 11, 3], k: 3, co: 4, stride: 1, pad: "same" },
  { x: [2, 9, 11, 3], k: 3, co: 4, stride: 2, pad: "same" },
  { x: [2, 9, 11, 3], k: 3, co: 4, stride: 2, pad: "valid" },
  { x: [1, 10, 10, 2], k: 5, co: 5, stride: 1, pad: "valid" },
  { x: [2, 8, 8, 4], k: 1, co: 6, stride: 1, pad: "same" },
  { x: [1, 7, 6, 2], k: 4, co: 3, stride: 2, pad: "same" },
  { x: [1, 12, 13, 3], k: 3, co: 3, stride: 3, pad: "valid" },
  { x: [3, 16, 16, 8], k: 3, co: 8, stride: 1, pad: "same" },
  // Wide outputs take the im2col + matmul path for dW.
  { x: [2, 16, 16, 3], k: 3, co: 256, stride: 1, pad: "same" },
  { x: [1, 26, 25, 2], k: 3, co: 256, stride: 1, pad: "valid" },
];

/** dx and dW of sum(conv2d(x, w) * dy) on the named backend. */
async function convGrads(backend: string, c: (typeof CASES)[number], x: Float32Array, w: Float32Array, dy: Float32Array, yShape: number[]) {
  await tf.setBackend(backend);
  const [dx, dw] = tf.tidy(() =>
    tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(tf.conv2d(a as never, b as never, c.stride, c.pad), tf.tensor(dy, yShape))))([
      tf.tensor(x, c.x),
      tf.tensor(w, [c.k, c.k, c.x[3], c.co]),
    ]),
  );
  const out = { dx: (await dx.data()) as Float32Array, dw: (await dw.data()) as Float32Array };
  tf.dispose([dx, dw]);
  await tf.setBackend("wasm");
  return out;
}

test("our wasm Conv2DBackpropFilter/Input match the cpu backend and PyTorch", async () => {
  const torchCases: object[] = [];
  const inputs: Record<string, Float32Array> = {};
  const ours: Record<string, { dx: Float32Array; dw: Float32Array }> = {};
  for (const [i, c] of CASES.entries()) {
    const info = tf.backend_util.computeConv2DInfo(c.x, [c.k, c.k, c.x[3], c.co], c.stride, 1, c.pad);
    const yShape = [c.x[0], info.outHeight, info.outWidth, c.co];
    const x = randomArray(c.x.reduce((a, b) => a * b), 10 + i);
    const w = randomArray(c.k * c.k * c.x[3] * c.co, 20 + i);
    const dy = randomArray(yShape.reduce((a, b) => a * b), 30 + i);
    const numBefore = tf.memory().numTensors;
    const wasm = await convGrads("wasm", c, x, w, dy, yShape);
    assert.equal(tf.memory().numTensors, numBefore, "no tensor leaks");
    const cpu = await convGrads("cpu", c, x, w, dy, yShape);
    const label = `${c.x} k${c.k} s${c.stride} ${c.pad}`;
    assert.ok(maxRelError(wasm.dw, cpu.dw) < 1e-5, `dW vs cpu ${label}: ${maxRelError(wasm.dw, cpu.dw)}`);
    assert.ok(maxRelError(wasm.dx, cpu.dx) < 1e-5, `dx vs cpu ${label}: ${maxRelError(wasm.dx, cpu.dx)}`);
    const name = `c${i}`;
    const p = info.padInfo;
    torchCases.push({ name, x: c.x, w: [c.k, c.k, c.x[3], c.co], stride: c.stride, pads: [p.top, p.bottom, p.left, p.right] });
    Object.assign(inputs, { [`${name}_x`]: x, [`${name}_w`]: w, [`${name}_dy`]: dy });
    ours[name] = wasm;
  }
  const ref = runTorch("torch_conv_grads.py", { cases: torchCases }, inputs);
  for (const [name, g] of Object.entries(ours)) {
    assert.ok(maxRelError(g.dw, ref[`${name}_dw`]) < 1e-4, `dW vs torch ${name}: ${maxRelError(g.dw, ref[`${name}_dw`])}`);
    assert.ok(maxRelError(g.dx, ref[`${name}_dx`]) < 1e-4, `dx vs torch ${name}: ${maxRelError(g.dx, ref[`${name}_dx`])}`);
  }
});

test("the wasm backend has a gradient for every op our models and losses use, equal to cpu's", async () => {
  const shape: [number, number, number, number] = [2, 8, 8, 4];
  const x0 = randomArray(2 * 8 * 8 * 4, 5);
  const pos = x0.map((v) => Math.abs(v) + 0.1);
  const ops: Record<string, { f: (x: Tensor) => Tensor; positive?: boolean }> = {
    relu: { f: (x) => tf.relu(x) },
    leakyRelu: { f: (x) => tf.leakyRelu(x, 0.1) },
    softplus: { f: (x) => tf.softplus(x) },
    sigmoid: { f: (x) => tf.sigmoid(x) },
    maxPool: { f: (x) => tf.maxPool(x as never, 2, 2, "same") },
    avgPool: { f: (x) => tf.avgPool(x as never, 2, 2, "same") },
    avgPool3x3s1: { f: (x) => tf.avgPool(x as never, 3, 1, "same") },
    resizeBilinearHalfPixel: { f: (x) => tf.image.resizeBilinear(x as never, [32, 32], false, true) },
    resizeBilinearAligned: { f: (x) => tf.image.resizeBilinear(x as never, [15, 15], true, false) },
    resizeNearest: { f: (x) => tf.image.resizeNearestNeighbor(x as never, [16, 16], false, true) },
    depthToSpace: { f: (x) => tf.depthToSpace(x as never, 2, "NHWC") },
    concat: { f: (x) => tf.concat([x, tf.mul(x, 2)], 3) },
    pad: { f: (x) => tf.pad(x, [[0, 0], [1, 1], [2, 2], [0, 0]]) },
    mirrorPad: { f: (x) => tf.mirrorPad(x as never, [[0, 0], [2, 2], [2, 2], [0, 0]], "reflect") },
    slice: { f: (x) => tf.slice(x, [0, 1, 2, 0], [2, 5, 5, 4]) },
    transpose: { f: (x) => tf.transpose(x, [0, 2, 1, 3]) },
    abs: { f: (x) => tf.abs(x) },
    square: { f: (x) => tf.square(x) },
    log: { f: (x) => tf.log(x), positive: true },
    sqrt: { f: (x) => tf.sqrt(x), positive: true },
    div: { f: (x) => tf.div(tf.add(x, 1), tf.add(tf.square(x), 1)) },
    mean: { f: (x) => tf.mean(x, [1, 2], true) },
    max: { f: (x) => tf.max(x, [1, 2], true) },
    maximum: { f: (x) => tf.maximum(x, 0.2) },
    clip: { f: (x) => tf.clipByValue(x, -0.5, 0.5) },
    pow: { f: (x) => tf.pow(x, 1.5), positive: true },
    exp: { f: (x) => tf.exp(x) },
    conv5x5: { f: (x) => tf.conv2d(x as never, tf.ones([5, 5, 4, 2]) as never, 1, "same") },
    gaussianPerChannel: {
      f: (x) => tf.reshape(tf.conv2d(tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [8, 8, 8, 1]) as never, tf.fill([3, 3, 1, 1], 1 / 9) as never, 1, "valid"), [2, 4, 6, 6]),
    },
  };
  const failures: string[] = [];
  for (const [name, { f, positive }] of Object.entries(ops)) {
    const data = positive ? pos : x0;
    const results: Float32Array[] = [];
    for (const backend of ["wasm", "cpu"]) {
      await tf.setBackend(backend);
      try {
        const g = tf.tidy(() => {
          const x = tf.tensor(data, shape);
          const yShape = tf.tidy(() => f(x).shape);
          const r = tf.tensor(randomArray(yShape.reduce((a, b) => a * b), 7), yShape);
          return tf.grad((t: Tensor) => tf.sum(tf.mul(f(t), r)))(x);
        });
        results.push((await g.data()) as Float32Array);
        g.dispose();
      } catch (e) {
        failures.push(`${name} on ${backend}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    await tf.setBackend("wasm");
    if (results.length === 2) {
      const err = maxRelError(results[0], results[1]);
      if (!(err < 1e-5)) failures.push(`${name}: wasm vs cpu relative error ${err}`);
    }
  }
  assert.deepEqual(failures, []);
});

// Not covered: tfjs's ResizeBilinear gradient ignores halfPixelCenters (PyTorch's
// align_corners=False); our models resize only their input, which needs no gradient.
test("pooling and resizing gradients on wasm and cpu match PyTorch (tfjs 4.22 bugs worked around)", async () => {
  const shape: [number, number, number, number] = [3, 8, 8, 2];
  const x = randomArray(3 * 8 * 8 * 2, 11);
  const ops: Record<string, (t: Tensor) => Tensor> = {
    maxpool2: (t) => tf.maxPool(t as never, 2, 2, "valid"),
    avgpool2: (t) => tf.avgPool(t as never, 2, 2, "valid"),
    bilinear_aligned: (t) => tf.image.resizeBilinear(t as never, [15, 15], true, false),
    nearest2: (t) => tf.image.resizeNearestNeighbor(t as never, [16, 16], false, true),
  };
  const inputs: Record<string, Float32Array> = { x };
  const ours: Record<string, Record<string, Float32Array>> = { wasm: {}, cpu: {} };
  for (const [name, f] of Object.entries(ops)) {
    const yShape = tf.tidy(() => f(tf.zeros(shape)).shape);
    const r = randomArray(yShape.reduce((a, b) => a * b), 13);
    inputs[`${name}_r`] = r;
    for (const backend of ["wasm", "cpu"]) {
      await tf.setBackend(backend);
      const g = tf.tidy(() => tf.grad((t: Tensor) => tf.sum(tf.mul(f(t), tf.tensor(r, yShape))))(tf.tensor(x, shape)));
      ours[backend][name] = (await g.data()) as Float32Array;
      g.dispose();
    }
    await tf.setBackend("wasm");
  }
  const ref = runTorch("torch_op_grads.py", { shape, ops: Object.keys(ops) }, inputs);
  for (const backend of ["wasm", "cpu"]) {
    for (const name of Object.keys(ops)) {
      const err = maxRelError(ours[backend][name], ref[`${name}_dx`]);
      assert.ok(err < 1e-5, `${name} on ${backend} vs torch: ${err}`);
    }
  }
});

test("our wasm DepthToSpace (heap block copies) and its space-to-depth equal the cpu backend's", async () => {
  for (const [shape, r] of [[[2, 3, 5, 8], 2], [[1, 4, 3, 48], 4], [[3, 2, 2, 64], 8]] as const) {
    const data = randomArray((shape as readonly number[]).reduce((a, b) => a * b, 1), 17);
    const out: Float32Array[] = [];
    const back: Float32Array[] = [];
    for (const backend of ["wasm", "cpu"]) {
      await tf.setBackend(backend);
      const y = tf.depthToSpace(tf.tensor4d(data, [...shape]), r, "NHWC");
      const z = spaceToDepth(tf, y, r);
      out.push((await y.data()) as Float32Array);
      back.push((await z.data()) as Float32Array);
      tf.dispose([y, z]);
    }
    await tf.setBackend("wasm");
    assert.deepEqual(out[0], out[1], `depthToSpace ${shape} r${r}`);
    assert.deepEqual(back[0], data);
    assert.deepEqual(back[1], data);
  }
});

test("the DepthToSpace gradient is space-to-depth", async () => {
  const x = tf.tensor(randomArray(2 * 4 * 6 * 12, 3), [2, 4, 6, 12]);
  const back = spaceToDepth(tf, tf.depthToSpace(x as never, 2, "NHWC"), 2);
  assert.deepEqual(await back.data(), await x.data());
  const r = tf.tensor(randomArray(2 * 8 * 12 * 3, 4), [2, 8, 12, 3]);
  const g = tf.grad((t: Tensor) => tf.sum(tf.mul(tf.depthToSpace(t as never, 2, "NHWC"), r)))(x);
  // d/dx sum(D2S(x) * r) = S2D(r): check element by element against the index formula.
  const gd = await g.data();
  const rd = await r.data();
  for (let n = 0; n < 2; n++)
    for (let h = 0; h < 4; h++)
      for (let w = 0; w < 6; w++)
        for (let c = 0; c < 12; c++) {
          const i = Math.floor(c / 6), j = Math.floor((c % 6) / 3), cc = c % 3;
          const ri = ((n * 8 + h * 2 + i) * 12 + w * 2 + j) * 3 + cc;
          assert.equal(gd[((n * 4 + h) * 6 + w) * 12 + c], rd[ri]);
        }
  tf.dispose([x, back, r, g]);
});
