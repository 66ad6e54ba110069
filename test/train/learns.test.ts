// Proof that it learns (small budget): tiny resunet-lr trained on three EM crops crappified
// with the PSSR EM recipe beats bilinear upsampling on the held-out crop, in PSNR and SSIM
// after CARE's normalisation (GT percentile-normalised, prediction least-squares fitted).
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
      return { psnr: psnr(a, b, { dataRange: 1 }), ssim: ssim(a, b, { dataRange: 1 }) };
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
