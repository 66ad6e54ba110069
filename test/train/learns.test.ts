// Proof that it learns (small budgets), scored in PSNR and SSIM after CARE's normalisation
// (GT percentile-normalised, prediction least-squares fitted):
// - tiny resunet-lr x4 trained on three EM crops crappified with the PSSR EM recipe beats
//   bilinear upsampling on the held-out crop;
// - a scale-1 CARE model trained only on crappified clean EM crops beats the raw noisy input
//   against the clean acquisition on the real EMDiffuse noisy/clean pair.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend } from "../../src/backend/index.js";
import { crappify } from "../../src/crappify/crappify.js";
import { getPlane } from "../../src/image/image.js";
import { normalizeMinMse } from "../../src/image/normalize.js";
import { readImage } from "../../src/io/read.js";
import { psnr, ssim } from "../../src/metrics/pixel.js";
import { loadModelDir, predictBaseline, predictImage } from "../../src/predict/index.js";
import { sourceFromImage, train } from "../../src/train/index.js";
import { sharedDataDir } from "../helpers.js";

await selectBackend({ name: "wasm" });

test("tiny x4 on crappified EM beats bilinear on a held-out crop (PSNR and SSIM)", async () => {
  const dir = join(sharedDataDir, "em", "emdiffuse_demo");
  const trainFiles = ["microns_mouse_cortex_0.tif", "mouse_liver_0.tif", "mouse_liver_1.tif"];
  const sources = [];
  for (const f of trainFiles) sources.push(sourceFromImage(f, await readImage(join(dir, f))));
  const out = mkdtempSync(join(tmpdir(), "pssr-learn-"));
  try {
    const r = await train({
      sources,
      outDir: out,
      recipe: "pssr-em",
      model: { preset: "tiny", arch: "resunet-lr", scale: 4 },
      epochs: Number(process.env.PSSR_LEARN_EPOCHS ?? 6),
      stepsPerEpoch: 15,
      batchSize: 8,
      patchPx: 96,
      learningRate: 2e-3,
      validationFraction: 0.34,
      validationPatches: 8,
      seed: 1,
    });
    assert.equal(r.interrupted, false);
    // Held out entirely: another section of the cortex volume, crappified with its own seed.
    const hr = await readImage(join(dir, "microns_mouse_cortex_1.tif"));
    const lr = crappify(hr, "pssr-em", { scaleFactor: 4, seed: 12345 }).lr;
    const { model, card } = await loadModelDir(out);
    const restored = predictImage(model, lr, { normalization: card!.normalization, tilePx: 64, overlapPx: 32 }).image;
    model.dispose();
    const bilinear = predictBaseline(lr, 4, "bilinear");
    const gt = Float32Array.from(getPlane(hr).data);
    const score = (pred: Float32Array) => {
      const n = normalizeMinMse(pred, gt);
      const a = { data: n.gt, height: 256, width: 256 };
      const b = { data: n.pred, height: 256, width: 256 };
      return { psnr: psnr(b, a, { dataRange: 1 }), ssim: ssim(b, a, { dataRange: 1 }) };
    };
    const ours = score(restored.data as Float32Array);
    const base = score(bilinear.data as Float32Array);
    console.log(`# learned: PSNR ${ours.psnr.toFixed(2)} vs bilinear ${base.psnr.toFixed(2)} dB; SSIM ${ours.ssim.toFixed(3)} vs ${base.ssim.toFixed(3)}; ${r.seconds.toFixed(0)} s`);
    assert.ok(ours.psnr > base.psnr, `PSNR ${ours.psnr} vs bilinear ${base.psnr}`);
    assert.ok(ours.ssim > base.ssim, `SSIM ${ours.ssim} vs bilinear ${base.ssim}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("a scale-1 CARE model trained on crappified clean EM beats the raw noisy input on the real pair", async () => {
  const dir = join(sharedDataDir, "em", "emdiffuse_demo");
  const sources = [];
  for (const f of ["microns_mouse_cortex_0.tif", "microns_mouse_cortex_1.tif", "mouse_liver_0.tif", "mouse_liver_1.tif"]) {
    sources.push(sourceFromImage(f, await readImage(join(dir, f))));
  }
  const out = mkdtempSync(join(tmpdir(), "pssr-care-"));
  try {
    // Gaussian noise of 6 grey levels: the order of the real pair's noisy-minus-clean spread.
    const r = await train({
      sources,
      outDir: out,
      recipe: { name: "care-denoise", params: { gaussSigma: 6, photonsPerUnit: 1000 } },
      model: { preset: "tiny", arch: "care", scale: 1 },
      loss: "l1",
      epochs: Number(process.env.PSSR_CARE_EPOCHS ?? 5),
      stepsPerEpoch: 15,
      batchSize: 8,
      patchPx: 64,
      validationFraction: 0.25,
      validationPatches: 8,
      seed: 3,
    });
    const pairDir = join(sharedDataDir, "pairs", "emdiffuse_brain_noisy_clean");
    const noisy = await readImage(join(pairDir, "pair1_input_noisy.tif"));
    const clean = await readImage(join(pairDir, "pair1_gt_clean.tif"));
    const { model, card } = await loadModelDir(out);
    const restored = predictImage(model, noisy, { normalization: card!.normalization }).image;
    model.dispose();
    const gt = Float32Array.from(getPlane(clean).data);
    const [h, w] = clean.shape;
    const score = (pred: Float32Array) => {
      const n = normalizeMinMse(pred, gt);
      const a = { data: n.gt, height: h, width: w };
      const b = { data: n.pred, height: h, width: w };
      return { psnr: psnr(b, a, { dataRange: 1 }), ssim: ssim(b, a, { dataRange: 1 }) };
    };
    const ours = score(restored.data as Float32Array);
    const raw = score(Float32Array.from(getPlane(noisy).data));
    console.log(`# care: PSNR ${ours.psnr.toFixed(2)} vs raw ${raw.psnr.toFixed(2)} dB; SSIM ${ours.ssim.toFixed(3)} vs ${raw.ssim.toFixed(3)}; ${r.seconds.toFixed(0)} s`);
    assert.ok(ours.psnr > raw.psnr, `PSNR ${ours.psnr} vs raw ${raw.psnr}`);
    assert.ok(ours.ssim > raw.ssim, `SSIM ${ours.ssim} vs raw ${raw.ssim}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
