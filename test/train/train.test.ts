// The training loop: memory per epoch, interrupt + resume = uninterrupted run, NaN stop,
// clear errors for bad inputs, the model directory it writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend } from "../../src/backend/index.js";
import { PssrError } from "../../src/errors.js";
import { readImage } from "../../src/io/read.js";
import type { Plane } from "../../src/image/image.js";
import { blockMean } from "../../src/image/block-mean.js";
import { RestorationModel } from "../../src/model/index.js";
import { readModelCard } from "../../src/model/card.js";
import { notBetterThanBilinear, sourceFromImage, train, type SourceImage, type TrainOptions } from "../../src/train/index.js";
import { sharedDataDir } from "../helpers.js";
import { maxAbsError } from "../backend/arrays.js";

const { tf } = await selectBackend({ name: "wasm" });

const emDir = join(sharedDataDir, "em", "emdiffuse_demo");
const EM = ["microns_mouse_cortex_0.tif", "microns_mouse_cortex_1.tif", "mouse_liver_0.tif", "mouse_liver_1.tif"];
const sources: SourceImage[] = [];
for (const f of EM) sources.push(sourceFromImage(f, await readImage(join(emDir, f))));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "pssr-train-"));
}

const SMALL: Omit<TrainOptions, "outDir"> = {
  sources,
  recipe: "pssr-em",
  model: { preset: "tiny", arch: "resunet-lr", scale: 4 },
  epochs: 3,
  stepsPerEpoch: 3,
  batchSize: 2,
  patchPx: 32,
  validationFraction: 0.25,
  validationPatches: 4,
  seed: 11,
};

test("tf.memory().numTensors does not grow over epochs; the model directory is complete", async () => {
  const out = tmp();
  try {
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const r = await train({ ...SMALL, outDir: out, onProgress: (e) => e.type === "epoch" && counts.push(tf.memory().numTensors) });
    assert.equal(r.epochsCompleted, 3);
    assert.equal(counts.length, 3);
    assert.equal(counts[1], counts[0], `tensors after epoch 1 and 2: ${counts}`);
    assert.equal(counts[2], counts[0]);
    assert.equal(tf.memory().numTensors, before, "everything freed at the end");
    for (const f of ["model.json", "weights.bin", "card.json", "checkpoint/state.json", "checkpoint/optimizer.bin"]) assert.ok(existsSync(join(out, f)), f);
    const card = readModelCard(out)!;
    assert.equal(card.scale, 4);
    assert.equal(card.recipe, "pssr-em");
    assert.equal(card.seed, 11);
    assert.deepEqual(card.normalization, { method: "percentile", pmin: 2, pmax: 99.8 });
    assert.equal((card.training as { validationImages: string[] }).validationImages.length, 1);
    assert.ok(Number.isFinite(card.validation.psnr) && Number.isFinite(card.validation.bilinearPsnr));
    const m = await RestorationModel.load(out);
    m.dispose();
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("an interrupted run resumed with --resume ends with the same weights as an uninterrupted one", async () => {
  const a = tmp();
  const b = tmp();
  try {
    await train({ ...SMALL, outDir: a });
    const controller = new AbortController();
    const r1 = await train({
      ...SMALL,
      outDir: b,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "step" && e.epoch === 2 && e.step === 2) controller.abort();
      },
    });
    assert.equal(r1.interrupted, true);
    assert.equal(r1.epochsCompleted, 1);
    const r2 = await train({ ...SMALL, outDir: b, resume: true });
    assert.equal(r2.epochsCompleted, 3);
    assert.equal(r2.history.length, 3);
    const ma = await RestorationModel.load(join(a, "checkpoint"));
    const mb = await RestorationModel.load(join(b, "checkpoint"));
    const wa = ma.namedWeights();
    const wb = mb.namedWeights();
    // Not bit-identical: Adam restores its bias-correction powers as beta^t in one step where the
    // running product accumulated rounding; the weights agree to float32 precision.
    for (const name of Object.keys(wa)) {
      const err = maxAbsError(await wb[name].data(), await wa[name].data());
      assert.ok(err < 1e-6, `${name}: ${err}`);
    }
    ma.dispose();
    mb.dispose();
    const sa = JSON.parse(readFileSync(join(a, "checkpoint", "state.json"), "utf8"));
    const sb = JSON.parse(readFileSync(join(b, "checkpoint", "state.json"), "utf8"));
    assert.deepEqual(sb.rng, sa.rng);
    const pa = sa.history.map((h: { validation: { psnr: number } }) => h.validation.psnr);
    const pb = sb.history.map((h: { validation: { psnr: number } }) => h.validation.psnr);
    assert.equal(pb[0], pa[0], "epoch 1 is the same checkpoint");
    for (let i = 1; i < 3; i++) assert.ok(Math.abs(pb[i] - pa[i]) < 1e-3, `epoch ${i + 1} PSNR ${pb[i]} vs ${pa[i]}`);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test("a NaN loss stops training with a clear error", async () => {
  const out = tmp();
  try {
    await assert.rejects(
      train({ ...SMALL, outDir: out, learningRate: 1e38, schedule: "constant", epochs: 2, stepsPerEpoch: 6 }),
      (e: unknown) => e instanceof PssrError && e.code === "training-failed" && /loss became (NaN|Infinity)/.test(e.message),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("bad inputs are clear errors", async () => {
  const out = tmp();
  const plane = (h: number, w: number): Plane => ({ data: new Float32Array(h * w).map((_, i) => i % 7), height: h, width: w });
  try {
    await assert.rejects(train({ ...SMALL, outDir: out, sources: [{ name: "small", hr: [plane(48, 48)] }] }), /small: one image of 48x48 px is too small to hold out a validation region/);
    await assert.rejects(train({ ...SMALL, outDir: out, patchPx: 512 }), /patch \(512 px\) is larger than (the image|every training image)/);
    await assert.rejects(train({ ...SMALL, outDir: out, patchPx: 36 }), /--patch must be a multiple of 16/);
    const pairs: SourceImage[] = [
      { name: "a", hr: [plane(64, 64)], lr: [plane(20, 16)] },
      { name: "b", hr: [plane(64, 64)], lr: [plane(16, 16)] },
    ];
    await assert.rejects(train({ ...SMALL, outDir: out, sources: pairs, recipe: undefined }), (e: unknown) => e instanceof PssrError && e.code === "shape-mismatch" && /must be 16x16/.test(e.message));
    await assert.rejects(train({ ...SMALL, outDir: out, model: { preset: "gigantic" } }), /unknown preset "gigantic"; valid: tiny, small, pssr/);
    await assert.rejects(train({ ...SMALL, outDir: join(out, "none"), resume: true }), /no checkpoint found/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("5-frame models train on time-lapses; real LR/HR pairs train without a recipe", async () => {
  const out = tmp();
  try {
    const tl = join(sharedDataDir, "fluo", "timelapse");
    const movies: SourceImage[] = [];
    for (const f of ["membrane_2d_timelapse_5x256x256.tif", "cancer_cell_migration_crop_48x130x130.tif"]) movies.push(sourceFromImage(f, await readImage(join(tl, f))));
    const r = await train({ ...SMALL, sources: movies, recipe: "pssr-fluo", outDir: out, model: { preset: "tiny", arch: "resunet-lr", scale: 4, inChannels: 5 }, epochs: 1, validationFraction: 0.5 });
    assert.equal(r.epochsCompleted, 1);
    assert.equal(readModelCard(out)!.frames, 5);
    const m = await RestorationModel.load(out);
    assert.equal(m.spec.inChannels, 5);
    m.dispose();
    // Precomputed pairs: LR = 4x4 binning of HR (a stand-in for real acquisitions).
    const pairs: SourceImage[] = sources.slice(0, 2).map((s) => ({ name: s.name, hr: s.hr, lr: s.hr.map((p) => blockMean(p, 4)) }));
    const r2 = await train({ ...SMALL, sources: pairs, recipe: undefined, outDir: join(out, "pairs"), epochs: 1, validationFraction: 0.5 });
    assert.equal(r2.epochsCompleted, 1);
    assert.equal(readModelCard(join(out, "pairs"))!.recipe, null);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("train() skips a source smaller than the patch through onWarning and trains on the rest", async () => {
  const out = tmp();
  try {
    const tiny: SourceImage = { name: "tiny", hr: [{ data: new Float32Array(20 * 40).fill(1), height: 20, width: 40 }] };
    const warnings: string[] = [];
    const r = await train({ ...SMALL, outDir: out, epochs: 1, stepsPerEpoch: 1, sources: [...sources, tiny], onWarning: (m) => warnings.push(m) });
    // One step leaves the model about bilinear: the end-of-run warning may follow, and says so.
    const notBetter = r.best && notBetterThanBilinear(r.best, 1);
    assert.deepEqual(warnings, ["skipping tiny: 20x40 px is smaller than the 32 px patch", ...(notBetter ? [notBetter] : [])]);
    assert.equal(r.epochsCompleted, 1);
    await assert.rejects(train({ ...SMALL, outDir: out, sources: [tiny] }), /tiny: the patch \(32 px\) is larger than the image \(20x40\)/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
