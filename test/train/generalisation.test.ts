// The leave-one-dataset-out evaluation (bench/generalisation.ts) at smoke size: the shared
// datasets resolve to real files with licences, a dataset's planes load, and the baseline
// figures the bench reports are those of an independent composition of crappify, bilinear
// upsampling and the CARE/PSSR metrics; an untrained resunet-lr scores as bilinear.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { selectBackend } from "../../src/backend/index.js";
import { crappify } from "../../src/crappify/crappify.js";
import { getPlane } from "../../src/image/image.js";
import { upsampleBilinear } from "../../src/image/resize.js";
import { evaluate } from "../../src/metrics/pixel.js";
import { frc } from "../../src/metrics/frc.js";
import { modelSpec, RestorationModel } from "../../src/model/index.js";
import { emDatasets, fluoDatasets, loadSources, provenance } from "../../bench/em-datasets.js";
import { evaluateOnSources } from "../../bench/generalisation.js";
import { sharedDataDir } from "../helpers.js";

test("the dataset catalogue names existing files, each with a licence; provenance hashes them", () => {
  const all = [...emDatasets(sharedDataDir), ...fluoDatasets()];
  assert.equal(new Set(all.map((d) => d.id)).size, all.length, "dataset ids are unique");
  for (const d of all) {
    assert.ok(d.files.length > 0, d.id);
    for (const f of d.files) {
      assert.ok(existsSync(join(sharedDataDir, f.path)), f.path);
      assert.ok(f.licence.length > 0 && f.attribution.length > 0, f.path);
    }
  }
  const p = provenance(all.filter((d) => d.id === "sev-tem"), sharedDataDir);
  assert.equal(p.length, 1);
  assert.match(p[0].sha256, /^[0-9a-f]{64}$/);
  assert.equal(p[0].licence, "BSD-3-Clause");
});

test("evaluateOnSources: baseline figures match an independent computation; an untrained resunet-lr restores like bilinear", async () => {
  await selectBackend({ name: "wasm" });
  const ds = emDatasets(sharedDataDir).find((d) => d.id === "cebranet-vsem")!;
  const sources = await loadSources(ds, sharedDataDir);
  assert.equal(sources.length, ds.maxPlanesPerFile);
  const model = RestorationModel.create(modelSpec({ arch: "resunet-lr", preset: "tiny", scale: 4 }), 0);
  try {
    const r = evaluateOnSources(model, sources, { recipe: "pssr-em", seed: 1, maxPlanes: 2 });
    assert.equal(r.planes, 2);
    // bilinear of both noise draws, averaged over draws and planes, composed here by hand
    let psnr = 0;
    let ssim = 0;
    const res: number[] = [];
    for (let i = 0; i < 2; i++) {
      const hr = sources[i].hr[0];
      const ups = [1000 + 2 * i, 1001 + 2 * i].map((seed) => upsampleBilinear(getPlane(crappify(hr, "pssr-em", { scaleFactor: 4, seed }).lr), 4));
      for (const u of ups) {
        const e = evaluate(u, hr);
        psnr += e.psnr / 4;
        ssim += e.ssim / 4;
      }
      const f = frc(ups[0], ups[1]);
      if (f.resolutionPx !== null) res.push(f.resolutionPx);
    }
    assert.ok(Math.abs(r.figures.bilinear.psnr - psnr) < 1e-6, `${r.figures.bilinear.psnr} vs ${psnr}`);
    assert.ok(Math.abs(r.figures.bilinear.ssim - ssim) < 1e-6);
    assert.equal(r.figures.bilinear.frcCrossed, res.length);
    if (res.length) assert.ok(Math.abs(r.figures.bilinear.frcPx! - res.reduce((a, b) => a + b) / res.length) < 1e-9);
    for (const m of ["model", "bicubic"] as const) assert.ok(Number.isFinite(r.figures[m].psnr) && Number.isFinite(r.figures[m].ssim), m);
    // resunet-lr is a residual on bilinear upsampling whose last layer starts near zero: untrained,
    // it restores like bilinear, which checks the model path (normalisation in, predictImage, back)
    assert.ok(Math.abs(r.figures.model.psnr - r.figures.bilinear.psnr) < 0.01, `untrained model ${r.figures.model.psnr} dB vs bilinear ${r.figures.bilinear.psnr} dB`);
    assert.ok(Math.abs(r.figures.model.ssim - r.figures.bilinear.ssim) < 1e-3);
  } finally {
    model.dispose();
  }
});
