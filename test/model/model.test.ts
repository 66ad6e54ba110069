// Model builders: shapes for every preset/architecture/scale/frames, memory, save/load, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { PssrError } from "../../src/errors.js";
import { ARCHITECTURES, RestorationModel, buildModel, modelSpec, upsampleBilinearTensor } from "../../src/model/index.js";
import { maxAbsError, randomArray, runTorch } from "../backend/arrays.js";

const { tf } = await selectBackend({ name: "wasm" });

test("every architecture builds for scales 1/2/4/8 and 1 or 5 frames, with the right output shape and no leaks", async () => {
  for (const arch of ARCHITECTURES) {
    for (const scale of [1, 2, 4, 8]) {
      for (const frames of [1, 5]) {
        const before = tf.memory().numTensors;
        const model = buildModel({ preset: "tiny", arch, scale, inChannels: frames }, 1);
        const afterBuild = tf.memory().numTensors;
        const side = model.inputMultiple * Math.ceil(8 / model.inputMultiple);
        const x = tf.randomNormal([2, side, side, frames]) as Tensor4D;
        const y = tf.tidy(() => model.apply(x));
        assert.deepEqual(y.shape, [2, side * scale, side * scale, 1], `${arch} x${scale} ${frames} frames`);
        assert.ok((await y.data()).every(Number.isFinite));
        tf.dispose([x, y]);
        assert.equal(tf.memory().numTensors, afterBuild, "apply leaves nothing behind");
        model.dispose();
        assert.equal(tf.memory().numTensors, before, "dispose frees every weight");
      }
    }
  }
});

test("presets grow: tiny < small < pssr parameters", () => {
  for (const arch of ARCHITECTURES) {
    const counts = (["tiny", "small", "pssr"] as const).map((preset) => {
      const m = buildModel({ preset, arch, scale: arch === "care" ? 1 : 4 });
      const n = m.countParameters();
      m.dispose();
      return n;
    });
    assert.ok(counts[0] < counts[1] && counts[1] < counts[2], `${arch}: ${counts}`);
  }
});

test("CARE: residual adds the input, probabilistic head gives positive Laplace scales", async () => {
  const spec = modelSpec({ arch: "care", scale: 1, probabilistic: true, kernelSize: 5 });
  assert.equal(spec.residual, true);
  assert.equal(spec.depth, 2);
  const m = RestorationModel.create(spec, 3);
  const x = tf.randomNormal([1, 16, 16, 1]) as Tensor4D;
  const y = m.apply(x);
  assert.deepEqual(y.shape, [1, 16, 16, 2]);
  const scales = tf.slice(y, [0, 0, 0, 1], [-1, -1, -1, 1]);
  assert.ok((await tf.min(scales).data())[0] >= 1e-3);
  tf.dispose([x, y, scales]);
  m.dispose();
  // With every weight zero the network is the identity (residual) plus softplus(0)+1e-3 scale.
  const z = RestorationModel.create(spec, 3);
  z.setWeights(Object.fromEntries(Object.entries(z.namedWeights()).map(([k, v]) => [k, tf.zerosLike(v)])));
  const x2 = tf.randomNormal([1, 8, 8, 1]) as Tensor4D;
  const y2 = z.apply(x2);
  const mean = await tf.slice(y2, [0, 0, 0, 0], [-1, -1, -1, 1]).data();
  assert.ok(maxAbsError(mean, await x2.data()) < 1e-6);
  const sc = await tf.slice(y2, [0, 0, 0, 1], [-1, -1, -1, 1]).data();
  assert.ok(sc.every((v) => Math.abs(v - (Math.log(2) + 1e-3)) < 1e-5));
  z.dispose();
});

test("the input upsampling is PyTorch's bilinear with align_corners=False", async () => {
  const x = randomArray(2 * 5 * 7 * 3, 9);
  const y = upsampleBilinearTensor(tf, tf.tensor4d(x, [2, 5, 7, 3]), 4);
  const ref = runTorch("torch_resize.py", { shape: [2, 5, 7, 3], factor: 4 }, { x });
  assert.ok(maxAbsError(await y.data(), ref.y) < 1e-5);
  y.dispose();
});

test("save and load give identical predictions; broken model directories are clear errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-model-"));
  try {
    const m = buildModel({ preset: "tiny", arch: "resunet-lr", scale: 2, inChannels: 5 }, 7);
    await m.save(dir);
    const loaded = await RestorationModel.load(dir);
    assert.deepEqual(loaded.spec, m.spec);
    const x = tf.randomNormal([1, 8, 8, 5]) as Tensor4D;
    const a = tf.tidy(() => m.apply(x));
    const b = tf.tidy(() => loaded.apply(x));
    assert.deepEqual(await a.data(), await b.data());
    tf.dispose([x, a, b]);
    m.dispose();
    loaded.dispose();
    const bin = readFileSync(join(dir, "weights.bin"));
    writeFileSync(join(dir, "weights.bin"), bin.subarray(0, 100));
    await assert.rejects(RestorationModel.load(dir), (e: unknown) => e instanceof PssrError && e.code === "model-invalid" && /bytes/.test(e.message));
    writeFileSync(join(dir, "model.json"), "{not json");
    await assert.rejects(RestorationModel.load(dir), (e: unknown) => e instanceof PssrError && /not valid JSON/.test(e.message));
    rmSync(join(dir, "model.json"));
    await assert.rejects(RestorationModel.load(dir), (e: unknown) => e instanceof PssrError && /model.json is missing/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unknown preset, architecture, scale or frame count are errors naming the valid values", () => {
  assert.throws(() => modelSpec({ preset: "huge" }), (e: unknown) => e instanceof PssrError && /unknown preset "huge"; valid: tiny, small, pssr/.test(e.message));
  assert.throws(() => modelSpec({ arch: "vgg" }), /unknown architecture "vgg"; valid: resunet, resunet-lr, care/);
  assert.throws(() => modelSpec({ scale: 3 }), /scale must be one of 1, 2, 4, 8/);
  assert.throws(() => modelSpec({ inChannels: 3 }), /must be 1 or 5/);
  assert.throws(() => modelSpec({ arch: "resunet", probabilistic: true }), /care architecture only/);
});
