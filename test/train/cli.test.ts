// `pssr train` and `pssr predict` end to end through the built CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImage } from "../../src/io/read.js";
import { runCli, sharedDataDir } from "../helpers.js";

const em = join(sharedDataDir, "em", "emdiffuse_demo");

test("pssr train writes a model directory that pssr predict restores with", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-cli-"));
  try {
    const model = join(dir, "model");
    const t = runCli(["train", "--hr", em, "--out", model, "--epochs", "2", "--steps", "2", "--batch", "2", "--patch", "32", "--seed", "5"]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stderr, /epoch 2\/2 train loss [\d.]+ val loss [\d.]+ PSNR [\d.]+ dB \(bilinear [\d.]+\)/);
    assert.match(t.stdout, /trained 2 epochs in [\d.]+ s on wasm/);
    for (const f of ["model.json", "weights.bin", "card.json"]) assert.ok(existsSync(join(model, f)), f);
    const out = join(dir, "restored.tif");
    const p = runCli(["predict", model, join(em, "mouse_liver_0.tif"), "-o", out, "--tile", "48", "--overlap", "16", "--dtype", "input"]);
    assert.equal(p.status, 0, p.stderr);
    const img = await readImage(out);
    assert.deepEqual(img.shape, [1024, 1024]);
    assert.equal(img.dtype, "uint8");
    const b = runCli(["predict", "--baseline", "bicubic", "--scale", "2", join(em, "mouse_liver_0.tif"), "-o", join(dir, "bicubic.tif")]);
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual((await readImage(join(dir, "bicubic.tif"))).shape, [512, 512]);
    // Resume after the run completed: nothing left to do, the model stays.
    const r = runCli(["train", "--hr", em, "--out", model, "--epochs", "2", "--steps", "2", "--batch", "2", "--patch", "32", "--seed", "5", "--resume"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /trained 2 epochs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pssr train/predict bad inputs: one clear line, non-zero exit", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-cli-"));
  try {
    const cases: [string[], RegExp][] = [
      [["train", "--hr", em, "--out", dir, "--preset", "huge"], /unknown preset "huge"; valid: tiny, small, pssr/],
      [["train", "--hr", join(em, "mouse_liver_0.tif"), "--out", dir], /validation split needs at least 2 images/],
      [["train", "--hr", em, "--out", dir, "--patch", "1024"], /larger than the image/],
      [["train", "--hr", join(dir, "nope"), "--out", dir], /no such file/],
      [["predict", join(dir, "no-model"), join(em, "mouse_liver_0.tif"), "-o", join(dir, "x.tif")], /model.json is missing/],
      [["predict", "--baseline", "lanczos", "--scale", "2", join(em, "mouse_liver_0.tif"), "-o", join(dir, "x.tif")], /valid: nearest, bilinear, bicubic/],
    ];
    for (const [args, re] of cases) {
      const r = runCli(args);
      assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    }
    assert.ok(!existsSync(join(dir, "x.tif")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
