// Every output carries the pixel size it has: crappify (all recipes, LR and upsampled copies,
// hrPixelSizeNm), predict (model and baselines; Y pixel size, Z spacing and frame interval kept),
// and a kymograph's axes (µm along the line, seconds down the rows) survive a write and a read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crappify, RECIPE_NAMES } from "../../src/crappify/index.js";
import { readImage } from "../../src/io/read.js";
import { writeTiff } from "../../src/io/write.js";
import { lengthToNm, type Image } from "../../src/image/image.js";
import { selectBackend } from "../../src/backend/index.js";
import { buildModel } from "../../src/model/index.js";
import { predictBaseline, predictImage } from "../../src/predict/index.js";
import { runCli, runPython, sharedDataDir } from "../helpers.js";

await selectBackend({ name: "wasm" });
const work = mkdtempSync(join(tmpdir(), "pssr-io-cal-"));
test.after(() => rmSync(work, { recursive: true, force: true }));
const nm = (len: Image["pixelSize"] | undefined) => (len ? lengthToNm(len) : null);
const near = (a: number | null, b: number) => a !== null && Math.abs(a - b) <= 1e-6 * b;

async function roundTrip(img: Image, name: string): Promise<Image> {
  const p = join(work, name);
  await writeTiff(p, img, { dtype: "float32" });
  return readImage(p);
}

test("crappify: every recipe's LR output (and upsampled copy) has the pixel size of its grid", async () => {
  const hr = await readImage(join(sharedDataDir, "em", "emdiffuse_demo", "mouse_liver_0.tif"));
  hr.pixelSize = { value: 4.6, unit: "nm" };
  for (const name of RECIPE_NAMES) {
    const r = crappify(hr, name, { seed: 1, params: name === "physical" ? { upsample: "bilinear" } : {} });
    const [h, w] = hr.shape;
    const [lh, lw] = r.lr.shape.slice(-2);
    const back = await roundTrip(r.lr, `${name}.tif`);
    const x = nm(back.pixelSize);
    const y = back.pixelSizeY ? nm(back.pixelSizeY) : x;
    assert.ok(near(x, (4.6 * w) / lw), `${name}: LR pixel width ${x} nm for ${w} -> ${lw} px`);
    assert.ok(near(y, (4.6 * h) / lh), `${name}: LR pixel height ${y} nm for ${h} -> ${lh} px`);
    if (r.lrUpsampled) assert.ok(near(nm((await roundTrip(r.lrUpsampled, `${name}-up.tif`)).pixelSize), 4.6), `${name}: upsampled copy at the HR pixel size`);
  }
});

test("crappify --recipe physical --set hrPixelSizeNm=65 writes a 260 nm LR image (the stated HR size wins)", async () => {
  const raw = join(sharedDataDir, "em", "emdiffuse_demo", "mouse_liver_0.tif");
  const out = join(work, "physical.tif");
  const up = join(work, "physical-up.tif");
  const r = runCli(["crappify", raw, "-o", out, "--recipe", "physical", "--set", "hrPixelSizeNm=65", "--set", "upsample=bilinear", "--upsampled", up, "--seed", "4"]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(near(nm((await readImage(out)).pixelSize), 260));
  assert.ok(near(nm((await readImage(up)).pixelSize), 65));
  const hr = await readImage(raw);
  const stated = crappify({ ...hr, pixelSize: { value: 10, unit: "nm" } }, "physical", { seed: 1, params: { hrPixelSizeNm: 65 } });
  assert.ok(near(nm(stated.lr.pixelSize), 260), `${nm(stated.lr.pixelSize)}`);
});

test("predict and baselines keep Y pixel size, Z spacing and frame interval, with X and Y divided by the scale", async () => {
  const [T, H, W] = [3, 16, 20];
  const img: Image = {
    data: Float32Array.from({ length: T * H * W }, (_, i) => (i * 7919) % 251),
    shape: [T, H, W],
    axes: "TYX",
    pixelSize: { value: 0.4, unit: "µm" },
    pixelSizeY: { value: 0.5, unit: "µm" },
    frameIntervalS: 7,
    dtype: "float32",
  };
  const model = buildModel({ preset: "tiny", arch: "resunet-lr", scale: 2 }, 1);
  try {
    for (const [what, out] of [
      ["model", predictImage(model, img, { tilePx: 16, overlapPx: 4 }).image],
      ["bilinear", predictBaseline(img, 2, "bilinear")],
    ] as const) {
      const back = await roundTrip(out, `${what}.tif`);
      assert.ok(near(nm(back.pixelSize), 200), `${what}: X ${nm(back.pixelSize)}`);
      assert.ok(near(nm(back.pixelSizeY), 250), `${what}: Y ${nm(back.pixelSizeY)}`);
      assert.equal(back.frameIntervalS, 7, `${what}: frame interval`);
    }
  } finally {
    model.dispose();
  }
  const stack: Image = { ...img, axes: "ZYX", frameIntervalS: null, zSpacing: { value: 1.5, unit: "µm" } };
  assert.ok(near(nm((await roundTrip(predictBaseline(stack, 2, "nearest"), "z.tif")).zSpacing), 1500));
});

test("a kymograph reads back as µm per column and seconds per row, and tifffile sees ImageJ's yunit", async () => {
  const tl: Image = {
    data: Float32Array.from({ length: 4 * 32 * 32 }, (_, i) => i % 97),
    shape: [4, 32, 32],
    axes: "TYX",
    pixelSize: { value: 0.65, unit: "µm" },
    frameIntervalS: 5,
    dtype: "float32",
  };
  const src = join(work, "tl.tif");
  await writeTiff(src, tl);
  const out = join(work, "kymo.tif");
  const r = runCli(["kymograph", src, "--line", "2,2,20,20", "-o", out]);
  assert.equal(r.status, 0, r.stderr);
  const k = await readImage(out);
  assert.deepEqual(k.shape, [4, 26]);
  assert.ok(near(nm(k.pixelSize), 650));
  assert.equal(k.pixelSizeY ?? null, null, "rows are time, not length");
  assert.ok(Math.abs((k.rowIntervalS ?? 0) - 5) < 1e-9, `row interval ${k.rowIntervalS}`);
  // pssr info --json says the same: µm per column, seconds per row, no Y length
  const info = JSON.parse(runCli(["info", out, "--json"]).stdout);
  assert.ok(near(lengthToNm(info.pixelSize), 650) && info.pixelSizeY === null && Math.abs(info.rowIntervalS - 5) < 1e-9 && info.frameIntervalS === null, JSON.stringify(info));
  const ij = JSON.parse(
    runPython("tiff_written.py", [work, out])
      .trim()
      .split("\n")[0],
  );
  assert.equal(ij.imagej.yunit, "sec");
  assert.equal(ij.imagej.unit, "micron");
  assert.ok(Math.abs(ij.yResolution[1] / ij.yResolution[0] - 5) < 1e-9, `YResolution ${ij.yResolution}`);
  // Without a pixel size the columns stay in pixels and the rows are still seconds.
  const bare = join(work, "bare.tif");
  await writeTiff(bare, { ...tl, pixelSize: null });
  const out2 = join(work, "kymo2.tif");
  assert.equal(runCli(["kymograph", bare, "--line", "2,2,20,20", "-o", out2]).status, 0);
  const k2 = await readImage(out2);
  assert.equal(k2.pixelSize, null);
  assert.ok(Math.abs((k2.rowIntervalS ?? 0) - 5) < 1e-9);
});
