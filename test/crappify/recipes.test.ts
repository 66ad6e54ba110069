// The crappify() entry point: every recipe on real data, seeding and replay, parameter ranges,
// stacks and time-lapses, metadata, and bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crappify, listRecipes, describeRecipes, Rng, parseParamAssignment, findRecipe } from "../../src/crappify/index.js";
import type { Image } from "../../src/image/image.js";
import { PssrError } from "../../src/errors.js";
import { samplesDir } from "../helpers.js";
import { maxAbsDiff, refImageU8, refPlane, reference } from "./util.js";

/** The 256x256 uint8 EM section, read from the uncompressed TIFF's last 65536 bytes (its strip). */
function emSection(name = "mouse_liver_0.tif"): Image {
  const buf = readFileSync(join(samplesDir, "em", "emdiffuse_demo", name));
  const data = new Uint8Array(buf.subarray(buf.length - 65536 - 0));
  return { data, shape: [256, 256], axes: "YX", pixelSize: { value: 2, unit: "nm" }, dtype: "uint8" };
}

function emCrop(): Image {
  reference();
  return { ...refImageU8("em_in"), pixelSize: { value: 2, unit: "nm" } };
}

const NAMES = ["pssr-fluo", "pssr-em", "pssr-2019", "pssr2", "care-axial", "care-denoise", "physical"];

test("the seven named recipes are listed with documented parameters", () => {
  assert.deepEqual(listRecipes().map((r) => r.name), NAMES);
  for (const r of listRecipes()) {
    assert.ok(r.params.length > 0 && r.summary && r.source, r.name);
    for (const p of r.params) {
      assert.ok(p.doc.length > 10, `${r.name}.${p.name} has a doc line`);
      if (p.kind === "number" || p.kind === "integer") {
        assert.ok(p.min! <= (p.default as number) && (p.default as number) <= p.max!, `${r.name}.${p.name} default inside its range`);
      }
    }
  }
  const text = describeRecipes();
  for (const n of NAMES) assert.ok(text.includes(n));
  assert.match(text, /localvarScale\s+default 0.5/);
});

test("every recipe runs on a real EM crop: shapes, dtypes, pixel size and record", () => {
  const img = emCrop();
  const expectLr: Record<string, [number, number, string]> = {
    "pssr-fluo": [32, 32, "uint8"],
    "pssr-em": [32, 32, "float32"],
    "pssr-2019": [32, 32, "uint8"],
    pssr2: [32, 32, "uint8"],
    "care-axial": [128, 128, "float32"],
    "care-denoise": [128, 128, "float32"],
    physical: [32, 32, "uint16"],
  };
  for (const name of NAMES) {
    const r = crappify(img, name, { seed: 1 });
    const [h, w, dt] = expectLr[name];
    assert.deepEqual(r.lr.shape, [h, w], name);
    assert.equal(r.lr.dtype, dt, name);
    assert.equal(r.recipe, name);
    assert.equal(r.seed, 1);
    assert.equal(r.lr.pixelSize?.value, (2 * 128) / w, `${name} LR pixel size`);
    const meta = r.lr.meta!.crappify as { recipe: string; seed: number; drawn: Record<string, unknown> };
    assert.equal(meta.recipe, name);
    assert.equal(meta.seed, 1);
    for (const p of findRecipe(name)!.params) assert.ok(p.name in meta.drawn, `${name} records ${p.name}`);
    let finite = true;
    for (const v of r.lr.data) if (!Number.isFinite(v)) finite = false;
    assert.ok(finite, name);
  }
  assert.deepEqual(crappify(img, "pssr-em", { seed: 1 }).lrUpsampled!.shape, [128, 128]);
  assert.deepEqual(crappify(img, "pssr-2019", { seed: 1 }).lrUpsampled!.shape, [128, 128]);
});

test("same seed, same output; another seed, another output; the recorded state replays the call", () => {
  const img = emCrop();
  for (const name of NAMES) {
    const a = crappify(img, name, { seed: 123 });
    const b = crappify(img, name, { seed: 123 });
    assert.deepEqual(b.lr.data, a.lr.data, name);
    // care-axial's defaults (CARE's) add no noise: it is deterministic.
    const c = crappify(img, name, { seed: 124 });
    if (name !== "care-axial") assert.notDeepEqual(c.lr.data, a.lr.data, name);
    const replay = crappify(img, name, { seed: Rng.fromState(a.rngState) });
    assert.deepEqual(replay.lr.data, a.lr.data, `${name} replay from rngState`);
  }
  const unseeded = crappify(img, "pssr-em");
  assert.ok(Number.isInteger(unseeded.seed) && unseeded.seed! >= 0, "a fresh seed is drawn and recorded");
  assert.deepEqual(crappify(img, "pssr-em", { seed: unseeded.seed! }).lr.data, unseeded.lr.data);
});

test("parameters given as ranges are drawn per sample and recorded", () => {
  const img = emCrop();
  const seen = new Set<number>();
  for (let s = 0; s < 20; s++) {
    const r = crappify(img, "pssr-fluo", { seed: s, params: { localvarScale: [0.1, 0.9], saltAmount: 0 } });
    const v = r.drawn.localvarScale as number;
    assert.ok(v >= 0.1 && v <= 0.9);
    assert.deepEqual(r.requested.localvarScale, [0.1, 0.9]);
    seen.add(v);
  }
  assert.equal(seen.size, 20);
  const bits = new Set<number>();
  for (let s = 0; s < 30; s++) bits.add(crappify(img, "physical", { seed: s, params: { bitDepth: [8, 10] } }).drawn.bitDepth as number);
  assert.deepEqual([...bits].sort(), [10, 8, 9].sort());
  // A spec object works the same as options.params.
  const viaSpec = crappify(img, { name: "pssr-em", params: { localvarScale: 0.2 } }, { seed: 5 });
  assert.equal(viaSpec.drawn.localvarScale, 0.2);
  // PSSR2 "spread" redraws the intensity per sample and records it.
  const p2 = crappify(img, "pssr2", { seed: 9, params: { poissonSpread: 0.3 } });
  assert.notEqual(p2.drawn.poissonIntensityDrawn, 1);
});

test("parseParamAssignment reads numbers, ranges, booleans and choices", () => {
  const specs = findRecipe("physical")!.params;
  assert.deepEqual(parseParamAssignment("physical", specs, "readNoiseAdu=2.5"), ["readNoiseAdu", 2.5]);
  assert.deepEqual(parseParamAssignment("physical", specs, "readNoiseAdu=1:3"), ["readNoiseAdu", [1, 3]]);
  assert.deepEqual(parseParamAssignment("physical", specs, "hrPhotonsAtMax=[1e2, 2e3]"), ["hrPhotonsAtMax", [100, 2000]]);
  assert.deepEqual(parseParamAssignment("physical", specs, "invertedContrast=true"), ["invertedContrast", true]);
  assert.deepEqual(parseParamAssignment("physical", specs, "downsample=nearest"), ["downsample", "nearest"]);
  assert.throws(() => parseParamAssignment("physical", specs, "nope=1"), /unknown parameter of recipe physical "nope"; valid: psfSigmaNm/);
  assert.throws(() => parseParamAssignment("physical", specs, "readNoiseAdu=abc"), /must be a number/);
});

test("stacks and time-lapses: each frame gets its own noise draw, leading axes kept", () => {
  const one = emCrop();
  const n = one.data.length;
  const data = new Uint8Array(3 * n);
  for (let t = 0; t < 3; t++) data.set(one.data as Uint8Array, t * n);
  const stack: Image = { ...one, data, shape: [3, 128, 128], axes: "TYX", frameIntervalS: 2 };
  for (const name of ["pssr-fluo", "physical", "care-denoise"]) {
    const r = crappify(stack, name, { seed: 4 });
    const hw = r.lr.shape[1] * r.lr.shape[2];
    assert.equal(r.lr.axes, "TYX");
    assert.equal(r.lr.shape[0], 3);
    assert.equal(r.lr.frameIntervalS, 2);
    const f0 = r.lr.data.subarray(0, hw);
    const f1 = r.lr.data.subarray(hw, 2 * hw);
    assert.notDeepEqual(Array.from(f1), Array.from(f0), `${name}: frames share a noise draw`);
    // Frame 0 of the stack is what a single-plane call with the same seed gives.
    assert.deepEqual(Array.from(f0), Array.from(crappify(one, name, { seed: 4 }).lr.data), name);
  }
});

test("care-axial without noise or PSF equals CARE's zoom down (order 0) and back (order 1) in scipy", () => {
  const x = refImageU8("fluo_in");
  const r = crappify(x, "care-axial", { seed: 0, params: { psfSigmaAlongPx: 0 } });
  assert.ok(maxAbsDiff(r.lr.data, refPlane("zoom_x_back_order1").data) < 1e-3);
});

test("physical: noise follows variance = gain*(mean-offset) + read^2 and the pixel-size ratio sets the scale", () => {
  const flat: Image = { data: new Float32Array(256 * 256).fill(0.5), shape: [256, 256], axes: "YX", pixelSize: { value: 2, unit: "nm" }, dtype: "float32" };
  const params = { hrPhotonsAtMax: 400, gainAduPerPhoton: 3, offsetAdu: 100, readNoiseAdu: 4, bitDepth: 0, inputRange: "dtype", lrPixelSizeNm: 8 } as const;
  // inputRange "dtype" on float32 falls back to the image max (0.5 -> 1.0): 400 photons.
  const r = crappify(flat, "physical", { seed: 2, params });
  assert.equal(r.scaleFactor, 4);
  assert.deepEqual(r.lr.shape, [64, 64]);
  let s = 0;
  let s2 = 0;
  for (const v of r.lr.data) {
    s += v;
    s2 += v * v;
  }
  const m = s / r.lr.data.length;
  const v = s2 / r.lr.data.length - m * m;
  assert.ok(Math.abs(m - (100 + 3 * 400)) < 5, `mean ${m}`);
  const expected = 3 * (m - 100) + 16;
  assert.ok(Math.abs(v / expected - 1) < 0.06, `variance ${v} vs ${expected}`);
  assert.throws(() => crappify({ ...flat, pixelSize: null }, "physical", { params: { psfSigmaNm: 50 } }), /HR pixel size/);
  assert.throws(() => crappify(flat, "physical", { params: { lrPixelSizeNm: 7 } }), /not a positive integer/);
});

test("bad input: unknown recipe or parameter, out-of-range values, NaN pixels, too small, wrong scale", () => {
  const img = emCrop();
  const expectError = (fn: () => unknown, re: RegExp) => {
    assert.throws(fn, (e: unknown) => e instanceof PssrError && re.test(e.message));
  };
  expectError(() => crappify(img, "pssr-foo"), /unknown recipe "pssr-foo"; valid: pssr-fluo, pssr-em, pssr-2019, pssr2, care-axial, care-denoise, physical/);
  expectError(() => crappify(img, "pssr-em", { params: { sigma: 2 } }), /unknown parameter of recipe pssr-em "sigma"; valid: localvarScale/);
  expectError(() => crappify(img, "pssr-fluo", { params: { saltAmount: 1.5 } }), /saltAmount=1.5 is out of range \[0, 1\]/);
  expectError(() => crappify(img, "pssr-fluo", { params: { saltAmount: [0.2, 0.1] } }), /lo 0.2 > hi 0.1/);
  expectError(() => crappify(img, "pssr-fluo", { params: { downsample: "cubic" } }), /unknown value for pssr-fluo.downsample "cubic"; valid: area/);
  expectError(() => crappify(img, "physical", { params: { bitDepth: 12.5 } }), /must be an integer/);
  const nan = Float32Array.from(img.data);
  nan[77] = NaN;
  expectError(() => crappify({ ...img, data: nan, dtype: "float32" }, "pssr-em"), /non-finite pixel \(NaN\) at flat index 77/);
  const tiny: Image = { data: new Float32Array(9), shape: [3, 3], axes: "YX", pixelSize: null, dtype: "float32" };
  expectError(() => crappify(tiny, "pssr-fluo"), /smaller than the scale factor 4/);
  expectError(() => crappify(img, "care-denoise", { scaleFactor: 4 }), /works at scale 1/);
  expectError(() => crappify(img, "pssr-fluo", { scaleFactor: 2.5 }), /integer/);
  expectError(() => crappify(img, "pssr-fluo", { scaleFactor: 0 }), />= 1/);
  expectError(() => crappify(img, "pssr-fluo", { seed: -3 }), /seed/);
});

test("a full 256x256 EM section from the sample TIFF strip crappifies to 64x64", () => {
  const r = crappify(emSection(), "pssr-em", { seed: 3 });
  assert.deepEqual(r.lr.shape, [64, 64]);
});
