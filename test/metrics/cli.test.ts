// The evaluate / frc / errormap / kymograph subcommands on the shipped sample files, with numbers
// checked against the Python references (scikit-image, numpy) and outputs read back by tifffile.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli, runPython, samplesDir } from "../helpers.js";
import { maxAbsDiff, tempDir } from "./util.js";

const PAIR = join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean");
const GT = join(PAIR, "pair1_gt_clean.tif");
const NOISY = join(PAIR, "pair1_input_noisy.tif");
const MICRONS0 = join(samplesDir, "em", "emdiffuse_demo", "microns_mouse_cortex_0.tif");
const MEMBRANE = join(samplesDir, "fluo", "membrane_2d_timelapse_5x256x256.tif");

function ok(r: ReturnType<typeof runCli>): string {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

test("pssr evaluate --json matches PSSR's protocol + scikit-image, with a bilinear baseline", () => {
  const { dir, cleanup } = tempDir();
  try {
    const bl = join(dir, "bilinear.tif");
    runPython("metrics_pixel.py", ["baseline", GT, bl, "4"]);
    const out = JSON.parse(ok(runCli(["evaluate", NOISY, GT, "--baseline", bl, "--pixel-size", "4", "--json"])));
    runPython("metrics_pixel.py", ["describe", NOISY, join(dir, "p.f32")]);
    runPython("metrics_pixel.py", ["describe", GT, join(dir, "g.f32")]);
    runPython("metrics_pixel.py", ["describe", bl, join(dir, "b.f32")]);
    const ref = JSON.parse(runPython("metrics_pixel.py", ["evaluate", join(dir, "p.f32"), join(dir, "g.f32"), "768", "768"]));
    const refB = JSON.parse(runPython("metrics_pixel.py", ["evaluate", join(dir, "b.f32"), join(dir, "g.f32"), "768", "768"]));
    for (const k of ["psnr", "ssim", "nrmse", "msssim"]) {
      assert.ok(Math.abs(out[k] - ref[k]) < 1e-4, `${k}: ${out[k]} vs ${ref[k]}`);
      assert.ok(Math.abs(out.baseline[k] - refB[k]) < 1e-4, `baseline ${k}: ${out.baseline[k]} vs ${refB[k]}`);
    }
    assert.equal(out.normalization, "normMinMse");
    assert.equal(out.pixel_size_nm, 4);
    const raw = JSON.parse(ok(runCli(["evaluate", NOISY, GT, "--raw", "--json"])));
    assert.equal(raw.data_range, 255);
    assert.equal(raw.normalization, "raw");
    const text = ok(runCli(["evaluate", NOISY, GT]));
    assert.match(text, /PSNR .* dB\s+SSIM/);
  } finally {
    cleanup();
  }
});

test("pssr evaluate: identical images give a finite JSON with a PSNR note; mismatched shapes name both files", () => {
  // (raw: with normMinMse PSSR's ddof 1 / ddof 0 scale leaves a 1/n mismatch, PSNR ~129 dB)
  const same = JSON.parse(ok(runCli(["evaluate", GT, GT, "--raw", "--json"])));
  assert.equal(same.psnr, null);
  assert.match(same.psnr_note, /infinite/);
  assert.ok(Math.abs(same.ssim - 1) < 1e-6);
  const r = runCli(["evaluate", MICRONS0, GT, "--json"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /microns_mouse_cortex_0\.tif is 256x256 but .*pair1_gt_clean\.tif is 768x768/);
  const missing = runCli(["evaluate", join(samplesDir, "nope.tif"), GT]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.tif/);
});

test("pssr frc --json: curve equals the numpy reference on the real pair; thresholds and single-image", () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = JSON.parse(ok(runCli(["frc", NOISY, GT, "--threshold", "half-bit", "--pixel-size", "2", "--json"])));
    assert.equal(out.threshold, "half-bit");
    for (const k of ["resolution_px", "resolution_nm", "curve", "status"]) assert.ok(k in out, k);
    runPython("metrics_pixel.py", ["describe", NOISY, join(dir, "a.f32")]);
    runPython("metrics_pixel.py", ["describe", GT, join(dir, "b.f32")]);
    const ref = JSON.parse(runPython("metrics_frc.py", ["curve", join(dir, "a.f32"), join(dir, "b.f32"), "768", "768", "0.25"]));
    const err = maxAbsDiff(out.curve.map((p: number[]) => p[1]), ref.frc);
    assert.ok(err < 1e-4, `max |cli - numpy| = ${err}`);
    assert.equal(out.curve.length, 513);
    if (out.resolution_px !== null) assert.ok(Math.abs(out.resolution_nm - 2 * out.resolution_px) < 1e-9);
    const single = JSON.parse(ok(runCli(["frc", NOISY, "--single", "checkerboard", "--json"])));
    assert.equal(single.kind, "single-image-checkerboard");
    const bad = runCli(["frc", NOISY, GT, "--threshold", "2bit"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown FRC threshold "2bit"; valid: 1\/7, half-bit, one-bit, 3sigma/);
  } finally {
    cleanup();
  }
});

test("pssr errormap writes a float32 map on the reference grid and reports RSE/RSP", () => {
  const { dir, cleanup } = tempDir();
  try {
    const ref = join(dir, "ref.tif");
    runPython("metrics_pixel.py", ["binned", GT, ref, "2"]);
    const map = join(dir, "map.tif");
    const out = JSON.parse(ok(runCli(["errormap", ref, GT, "-o", map, "--json"])));
    for (const k of ["rse", "rsp", "sigma_px", "alpha", "beta"]) assert.equal(typeof out[k], "number", k);
    assert.equal(out.magnification, 2);
    // REF is exactly the 2x2 block mean of GT: no blur, unit gain, no offset, no error. (Below
    // ~0.3 px the sampled Gaussian kernel is the identity to float precision, so any such sigma.)
    assert.ok(out.sigma_px < 0.3 && Math.abs(out.alpha - 1) < 1e-3 && Math.abs(out.beta) < 0.05 && out.rsp > 0.9999, JSON.stringify(out));
    const d = JSON.parse(runPython("metrics_pixel.py", ["describe", map]));
    assert.deepEqual(d.shape, [384, 384]);
    assert.equal(d.dtype, "float32");
    assert.ok(d.max < 0.05, `max error ${d.max}`);
    const r = runCli(["errormap", ref, GT, "--json"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /-o\/--output FILE is required/);
  } finally {
    cleanup();
  }
});

test("pssr kymograph writes T x length and rejects a line outside the image", () => {
  const { dir, cleanup } = tempDir();
  try {
    const k = join(dir, "kymo.tif");
    const out = JSON.parse(ok(runCli(["kymograph", MEMBRANE, "--line", "10,20,200,20,200,120", "--width", "3", "--max", "-o", k, "--json"])));
    assert.deepEqual(out.segment_boundaries_px, [190]);
    assert.equal(out.reduce, "max");
    const d = JSON.parse(runPython("metrics_pixel.py", ["describe", k]));
    assert.deepEqual(d.shape, [5, 291]);
    assert.equal(d.dtype, "float32");
    const bad = runCli(["kymograph", MEMBRANE, "--line", "10,20,300,20", "-o", join(dir, "bad.tif")]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /leaves the 256x256 image/);
    assert.equal(existsSync(join(dir, "bad.tif")), false);
    const badLine = runCli(["kymograph", MEMBRANE, "--line", "10,20,30", "-o", join(dir, "bad.tif")]);
    assert.match(badLine.stderr, /--line must be/);
  } finally {
    cleanup();
  }
});
