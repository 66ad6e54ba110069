// Pixel-size matching: pssr predict resamples an input onto the model's LR pixel size (cubic
// spline when enlarging, area average when shrinking; scikit-image and PyTorch as references),
// --no-resample keeps the grid, --pixel-size sets it, train --pixel-size records it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImage } from "../../src/io/read.js";
import { lengthToNm } from "../../src/image/image.js";
import { matchPixelSize } from "../../src/predict/index.js";
import { python, repoRoot, runCli, sharedDataDir } from "../helpers.js";

const em = join(sharedDataDir, "em", "emdiffuse_demo");
const ref = (args: string[]): string => {
  const r = spawnSync(python, [join(repoRoot, "test", "ref", "pixel_match.py"), ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};
const info = (path: string): { shape: number[]; dtype: string; pixelSizeNm: number | null } => JSON.parse(ref(["info", path]).trim());

test("matchPixelSize equals skimage rescale (cubic, enlarging) and torch area (shrinking)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-px-"));
  try {
    const input = join(dir, "in.tif");
    ref(["write", join(em, "mouse_liver_0.tif"), input, "10", "64", "96"]);
    const img = await readImage(input);
    assert.ok(img.pixelSize && Math.abs(lengthToNm(img.pixelSize) - 10) < 1e-6);
    for (const [modelNm, method] of [[8, "cubic-spline"], [12.5, "area"], [16, "area"]] as const) {
      const m = matchPixelSize(img, modelNm);
      assert.ok(m.resampled);
      assert.match(m.message!, new RegExp(`from 10\\.00 nm to the model's ${modelNm.toPrecision(4).replace(".", "\\.")} nm`));
      const raw = join(dir, "ref.raw");
      const shape = JSON.parse(ref(["resample", input, String(10 / modelNm), raw]).trim()).shape as number[];
      assert.deepEqual(m.image.shape, shape);
      assert.equal((m.image.meta as { resampled: { method: string } }).resampled.method, method);
      const want = new Float32Array(readFileSync(raw).buffer.slice(0));
      const got = m.image.data as Float32Array;
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
      assert.ok(maxErr < 1e-3, `${method} ${modelNm} nm: max |diff| ${maxErr} (0..255 data)`);
      // The new spacing is the true one: in * old / out.
      assert.ok(Math.abs(lengthToNm(m.image.pixelSize!) - (96 * 10) / shape[1]) < 1e-9);
    }
    assert.equal(matchPixelSize(img, 10.1).resampled, false, "within 2%: left alone");
    assert.equal(matchPixelSize(img, 8, { resample: false }).image, img);
    assert.equal(matchPixelSize({ ...img, pixelSize: null }, 8).resampled, false, "unknown input size: left alone");
    assert.equal(matchPixelSize({ ...img, pixelSize: null }, 8, { inputPixelSizeNm: 10 }).image.shape[1], 120);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pssr predict resamples to the card's pixel size; --no-resample, --pixel-size, ensembles, bad values", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-px-"));
  try {
    const model = join(dir, "model");
    // HR 5 nm, scale 2: the model expects 10 nm LR pixels.
    const t = runCli(["train", "--hr", em, "--out", model, "--scale", "2", "--epochs", "1", "--steps", "1", "--batch", "2", "--patch", "32", "--pixel-size", "5", "--quiet"]);
    assert.equal(t.status, 0, t.stderr);
    const card = JSON.parse(readFileSync(join(model, "card.json"), "utf8"));
    assert.equal(card.hrPixelSizeNm, 5);
    assert.equal(card.lrPixelSizeNm, 10);
    const coarse = join(dir, "coarse.tif"); // 12.5 nm = 1.25x the model's
    ref(["write", join(em, "mouse_liver_0.tif"), coarse, "12.5", "64", "64"]);
    const bare = join(dir, "bare.tif"); // no pixel size in the file
    ref(["write", join(em, "mouse_liver_0.tif"), bare, "0", "64", "64"]);
    const common = ["--tile", "64", "--overlap", "16", "--quiet"];

    const out = join(dir, "out.tif");
    const p = runCli(["predict", model, coarse, "-o", out, ...common]);
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stderr, /^resampled the input from 12\.50 nm to the model's 10\.00 nm pixels \(64x64 -> 80x80 px, cubic spline \(enlarging\)\); --no-resample keeps its grid$/m);
    assert.deepEqual(info(out), { shape: [160, 160], dtype: "float32", pixelSizeNm: info(out).pixelSizeNm });
    assert.ok(Math.abs(info(out).pixelSizeNm! - 5) < 1e-3, `output pixel ${info(out).pixelSizeNm} nm`);

    const kept = join(dir, "kept.tif");
    const k = runCli(["predict", model, coarse, "-o", kept, "--no-resample", ...common]);
    assert.equal(k.status, 0, k.stderr);
    assert.doesNotMatch(k.stderr, /resampled/);
    assert.deepEqual(info(kept).shape, [128, 128]);
    assert.ok(Math.abs(info(kept).pixelSizeNm! - 6.25) < 1e-3);

    const given = join(dir, "given.tif");
    const g = runCli(["predict", model, bare, "-o", given, "--pixel-size", "12.5", ...common]);
    assert.equal(g.status, 0, g.stderr);
    assert.match(g.stderr, /64x64 -> 80x80 px/);
    assert.deepEqual(info(given).shape, [160, 160]);
    assert.ok(Math.abs(info(given).pixelSizeNm! - 5) < 1e-3);
    const same = join(dir, "same.tif");
    const sm = runCli(["predict", model, bare, "-o", same, "--pixel-size", "10", ...common]);
    assert.equal(sm.status, 0, sm.stderr);
    assert.deepEqual(info(same).shape, [128, 128]);
    assert.ok(Math.abs(info(same).pixelSizeNm! - 5) < 1e-3);
    const none = join(dir, "none.tif");
    assert.equal(runCli(["predict", model, bare, "-o", none, ...common]).status, 0);
    assert.deepEqual(info(none), { shape: [128, 128], dtype: "float32", pixelSizeNm: null });

    // An ensemble (the same model twice) is resampled the same way.
    const ens = join(dir, "ens.tif");
    const e = runCli(["predict", model, coarse, "-o", ens, "--ensemble", model, ...common]);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stderr, /64x64 -> 80x80 px/);
    assert.deepEqual(info(ens).shape, [160, 160]);
    assert.ok(Math.abs(info(ens).pixelSizeNm! - 5) < 1e-3);

    // --engine onnx (onnxruntime on the exported network) restores on the same grid.
    const onnx = join(dir, "onnx.tif");
    const o = runCli(["predict", model, coarse, "-o", onnx, "--engine", "onnx"]);
    assert.equal(o.status, 0, o.stderr);
    assert.match(o.stderr, /64x64 -> 80x80 px/);
    assert.deepEqual(info(onnx).shape, [160, 160]);
    assert.ok(Math.abs(info(onnx).pixelSizeNm! - 5) < 1e-3);
    const onnxKept = join(dir, "onnx-kept.tif");
    assert.equal(runCli(["predict", model, coarse, "-o", onnxKept, "--engine", "onnx", "--no-resample"]).status, 0);
    assert.deepEqual(info(onnxKept).shape, [128, 128]);

    const bad: [string[], RegExp][] = [
      [["predict", model, bare, "-o", join(dir, "x.tif"), "--pixel-size", "0"], /--pixel-size must be a positive pixel size in nm, got 0/],
      [["predict", model, bare, "-o", join(dir, "x.tif"), "--pixel-size", "-3"], /--pixel-size must be a positive pixel size in nm, got -3/],
      [["predict", model, bare, "-o", join(dir, "x.tif"), "--pixel-size", "ten"], /--pixel-size/],
      [["train", "--hr", em, "--out", join(dir, "m2"), "--pixel-size", "nan"], /--pixel-size/],
    ];
    for (const [args, re] of bad) {
      const r = runCli(args);
      assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    }
    assert.ok(!existsSync(join(dir, "x.tif")));
    assert.ok(!existsSync(join(dir, "m2")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
