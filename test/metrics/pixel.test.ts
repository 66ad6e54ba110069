import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { evaluate, msssim, nrmse, psnr, ssim } from "../../src/metrics/pixel.js";
import { PssrError } from "../../src/errors.js";
import type { Plane } from "../../src/image/image.js";
import { runPython, samplesDir } from "../helpers.js";
import { noisePlane, readF32, tempDir, writeF32 } from "./util.js";

const PAIR = join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean");
const DEMO = join(samplesDir, "em", "emdiffuse_demo");

function loadTiff(dir: string, path: string, name: string): Plane {
  const out = join(dir, name + ".f32");
  const { shape } = JSON.parse(runPython("metrics_pixel.py", ["tiff", path, out]));
  return readF32(out, shape[0], shape[1]);
}

function close(ours: number, ref: number, tol: number, what: string): void {
  assert.ok(Math.abs(ours - ref) <= tol, `${what}: ours ${ours} vs reference ${ref} (|diff| ${Math.abs(ours - ref)})`);
}

test("PSNR, NRMSE, SSIM (all window variants) and MS-SSIM match scikit-image / numpy on real EM pairs", () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases: [string, string, string][] = [
      ["brain pair (noisy vs clean, 768x768 uint8)", join(PAIR, "pair1_gt_clean.tif"), join(PAIR, "pair1_input_noisy.tif")],
      ["MICrONS adjacent sections (256x256 uint8)", join(DEMO, "microns_mouse_cortex_0.tif"), join(DEMO, "microns_mouse_cortex_1.tif")],
      ["mouse liver adjacent sections (256x256 uint8)", join(DEMO, "mouse_liver_0.tif"), join(DEMO, "mouse_liver_1.tif")],
    ];
    for (const [what, gtPath, predPath] of cases) {
      const gt = loadTiff(dir, gtPath, "gt");
      const pred = loadTiff(dir, predPath, "pred");
      writeF32(join(dir, "a.f32"), gt);
      writeF32(join(dir, "b.f32"), pred);
      const ref = JSON.parse(runPython("metrics_pixel.py", ["metrics", join(dir, "a.f32"), join(dir, "b.f32"), String(gt.height), String(gt.width), "255"]));
      const o = { dataRange: 255 };
      close(psnr(pred, gt, o), ref.psnr, 1e-4, `${what} psnr`);
      close(ssim(pred, gt, o), ref.ssim, 1e-4, `${what} ssim`);
      close(ssim(pred, gt, { ...o, gaussianWeights: true }), ref.ssim_gaussian, 1e-4, `${what} ssim gaussian`);
      close(ssim(pred, gt, { ...o, gaussianWeights: true, useSampleCovariance: false }), ref.ssim_wang, 1e-4, `${what} ssim wang2004`);
      close(ssim(pred, gt, { ...o, winSize: 11 }), ref.ssim_win11, 1e-4, `${what} ssim win 11`);
      close(nrmse(pred, gt), ref.nrmse, 1e-4, `${what} nrmse`);
      close(nrmse(pred, gt, { normalization: "min-max" }), ref.nrmse_minmax, 1e-4, `${what} nrmse min-max`);
      close(nrmse(pred, gt, { normalization: "mean" }), ref.nrmse_mean, 1e-4, `${what} nrmse mean`);
      const full = ssim(pred, gt, { ...o, full: true });
      const sum = full.map.data.reduce((s, v) => s + v, 0);
      close(sum / full.map.data.length, ref.ssim_map_sum / full.map.data.length, 1e-4, `${what} ssim full map mean`);
      if (ref.msssim !== null) close(msssim(pred, gt, o), ref.msssim, 1e-4, `${what} msssim`);
    }
  } finally {
    cleanup();
  }
});

test("evaluate (normMinMse protocol) matches PSSR's metric_gen.py + scikit-image for a prediction and a bilinear baseline", () => {
  const { dir, cleanup } = tempDir();
  try {
    const gtPath = join(PAIR, "pair1_gt_clean.tif");
    const gt = loadTiff(dir, gtPath, "gt");
    const noisy = loadTiff(dir, join(PAIR, "pair1_input_noisy.tif"), "noisy");
    const { shape } = JSON.parse(runPython("metrics_pixel.py", ["baseline", gtPath, join(dir, "bl.f32"), "4"]));
    const baseline = readF32(join(dir, "bl.f32"), shape[0], shape[1]);
    assert.deepEqual(shape, [768, 768]);
    // A prediction on an arbitrary affine scale: the protocol must not care.
    const affine: Plane = { ...noisy, data: noisy.data.map((v) => 2 * v + 100) };
    for (const [what, pred] of [["noisy input x2+100", affine], ["bilinear x4 baseline", baseline]] as const) {
      writeF32(join(dir, "p.f32"), pred);
      writeF32(join(dir, "g.f32"), gt);
      const ref = JSON.parse(runPython("metrics_pixel.py", ["evaluate", join(dir, "p.f32"), join(dir, "g.f32"), "768", "768"]));
      const r = evaluate(pred, gt);
      assert.equal(r.normalization, "normMinMse");
      close(r.psnr, ref.psnr, 1e-4, `${what} psnr`);
      close(r.ssim, ref.ssim, 1e-4, `${what} ssim`);
      close(r.nrmse, ref.nrmse, 1e-4, `${what} nrmse`);
      close(r.msssim!, ref.msssim, 1e-4, `${what} msssim`);
    }
    const raw = evaluate(noisy, gt, { raw: true, dataRange: 255 });
    close(raw.psnr, psnr(noisy, gt, { dataRange: 255 }), 1e-12, "raw psnr");
  } finally {
    cleanup();
  }
});

test("MS-SSIM properties: 1 for identical images, symmetric, falls with noise", () => {
  const base = noisePlane(200, 180, 1);
  const smooth: Plane = { ...base, data: base.data.map((_, i) => Math.sin((i % 180) / 9) + Math.cos(Math.floor(i / 180) / 7)) };
  close(msssim(smooth, smooth, { dataRange: 4 }), 1, 1e-9, "identical");
  const n1 = noisePlane(200, 180, 2);
  const noisy = (s: number): Plane => ({ ...smooth, data: smooth.data.map((v, i) => v + s * n1.data[i]) });
  const a = msssim(smooth, noisy(0.1), { dataRange: 4 });
  const b = msssim(noisy(0.1), smooth, { dataRange: 4 });
  close(a, b, 1e-9, "symmetric");
  const c = msssim(smooth, noisy(0.5), { dataRange: 4 });
  assert.ok(a < 1 && c < a && c >= 0, `msssim 0.1 noise ${a}, 0.5 noise ${c}`);
  assert.throws(() => msssim(noisePlane(100, 300, 1), noisePlane(100, 300, 2), { dataRange: 1 }), /at least 176x176/);
});

test("constant images: SSIM and PSNR defined, NRMSE and normMinMse say why not", () => {
  const c: Plane = { data: new Float32Array(64 * 64).fill(0.5), height: 64, width: 64 };
  const d: Plane = { data: new Float32Array(64 * 64).fill(0.25), height: 64, width: 64 };
  assert.equal(ssim(c, c, { dataRange: 1 }), 1);
  const s = ssim(c, d, { dataRange: 1 });
  assert.ok(Number.isFinite(s) && s < 1);
  assert.equal(psnr(c, c, { dataRange: 1 }), Infinity);
  close(psnr(c, d, { dataRange: 1 }), 10 * Math.log10(1 / 0.0625), 1e-9, "psnr constant");
  const z: Plane = { data: new Float32Array(64 * 64), height: 64, width: 64 };
  assert.throws(() => nrmse(c, z), /normaliser is 0/);
  assert.throws(() => evaluate(d, c), /ground truth is constant/);
  assert.throws(() => ssim(c, d, { dataRange: 1, K1: 0, K2: 0 }), /undefined/);
});

test("bad input: shapes named, NaN located, dataRange required, window too large", () => {
  const a = noisePlane(32, 40, 1);
  assert.throws(
    () => ssim(a, noisePlane(40, 32, 2), { dataRange: 1 }),
    (e: unknown) => e instanceof PssrError && e.code === "shape-mismatch" && /32x40.*40x32/.test(e.message),
  );
  assert.throws(() => evaluate(noisePlane(10, 10, 1), a), /ground truth is 32x40 but prediction is 10x10/);
  const bad = noisePlane(32, 40, 3);
  bad.data[41] = NaN;
  assert.throws(() => psnr(bad, a, { dataRange: 1 }), (e: unknown) => e instanceof PssrError && e.code === "non-finite-pixels" && /prediction.*y=1, x=1/.test(e.message));
  assert.throws(() => ssim(a, a), /dataRange is required/);
  assert.throws(() => psnr(a, a, { dataRange: 0 }), /positive/);
  assert.throws(() => ssim(a, a, { dataRange: 1, winSize: 8 }), /odd/);
  assert.throws(() => ssim(noisePlane(5, 5, 1), noisePlane(5, 5, 2), { dataRange: 1 }), /exceeds/);
});
