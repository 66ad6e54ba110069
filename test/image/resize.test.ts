// Resampling against its named references: torch.nn.functional.interpolate (1.13),
// scipy.ndimage.zoom (1.10) and skimage.transform.rescale (0.19.3), on real EM data and odd sizes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PssrError } from "../../src/errors.js";
import { BOUNDARY_MODES } from "../../src/image/filters.js";
import type { Plane } from "../../src/image/image.js";
import { blockMean } from "../../src/image/block-mean.js";
import { rescale, resize, roundHalfEven, upsampleBilinear, zoom } from "../../src/image/resize.js";
import { join } from "node:path";
import { samplesDir } from "../helpers.js";
import { ReferenceCases, RefSession, crop, emSample, randomPlane } from "./reference.js";

const TOL = 1e-5;
const ref = new RefSession();
const [cortex, clean] = ref.readTifs([emSample("microns_mouse_cortex_0.tif"), join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean", "pair1_gt_clean.tif")]);

const cases = new ReferenceCases(ref);
const add = cases.add.bind(cases);

const inputs: [string, Plane][] = [
  ["EM cortex 256x256", cortex],
  ["EM crop 101x67", crop(cortex, 13, 90, 101, 67)],
  ["random 37x53", randomPlane(37, 53, 21)],
  ["random 5x7", randomPlane(5, 7, 22)],
];
const FACTORS = [1 / 4, 1 / 3, 2, 4];

for (const [label, p] of inputs) {
  const { height: h, width: w } = p;
  for (const f of FACTORS) {
    const oh = Math.max(1, Math.round(h * f));
    const ow = Math.max(1, Math.round(w * f));
    const size = `${h}x${w} -> ${oh}x${ow}`;
    for (const method of ["nearest", "bilinear", "bicubic", "area"] as const) {
      add(`resize ${method} (torch, align_corners=False) ${label}`, size, () => resize(p, oh, ow, { method }), ref.add("torch_interp", p, { size: [oh, ow], mode: method, align_corners: false }));
    }
    add(`resize bicubic (torch, align_corners=True) ${label}`, size, () => resize(p, oh, ow, { method: "bicubic", alignCorners: true }), ref.add("torch_interp", p, { size: [oh, ow], mode: "bicubic", align_corners: true }));
    if (oh > 1 && ow > 1) {
      add(`resize bilinear alignCorners (scipy zoom order 1) ${label}`, size, () => resize(p, oh, ow, { method: "bilinear", alignCorners: true }), ref.add("zoom_to", p, { size: [oh, ow], order: 1 }));
      add(`resize nearest alignCorners (scipy zoom order 0) ${label}`, size, () => resize(p, oh, ow, { method: "nearest", alignCorners: true }), ref.add("zoom_to", p, { size: [oh, ow], order: 0 }));
    }
    if (roundHalfEven(h * f) > 0 && roundHalfEven(w * f) > 0) {
      for (const order of [0, 1, 3] as const) add(`zoom order ${order} ${label}`, `factor ${f.toFixed(3)}`, () => zoom(p, f, { order }), ref.add("zoom", p, { factor: f, order }));
    }
  }
  for (const f of [...FACTORS, 0.5, 1.7]) {
    for (const order of [0, 1, 3] as const) {
      for (const mode of BOUNDARY_MODES) {
        add(`rescale order ${order} ${label}`, `factor ${f.toFixed(3)} mode ${mode}`, () => rescale(p, f, { order, mode, cval: 0.25 }), ref.add("rescale", p, { factor: f, order, mode, cval: 0.25 }));
      }
    }
    add(`rescale options ${label}`, `factor ${f.toFixed(3)} no anti-aliasing`, () => rescale(p, f, { antiAliasing: false }), ref.add("rescale", p, { factor: f, anti_aliasing: false }));
    add(`rescale options ${label}`, `factor ${f.toFixed(3)} order 3 no clip`, () => rescale(p, f, { order: 3, clip: false }), ref.add("rescale", p, { factor: f, order: 3, clip: false }));
  }
  for (const f of [2, 4, 2.5]) {
    add(`upsampleBilinear (torch scale_factor, align_corners=False) ${label}`, `factor ${f}`, () => upsampleBilinear(p, f), ref.add("torch_interp", p, { scale_factor: f, mode: "bilinear" }));
  }
  for (const f of [2, 3, 4]) {
    if (h >= f && w >= f) add(`blockMean ${label}`, `factor ${f}`, () => blockMean(p, f), ref.add("block_mean", p, { factor: f }));
    const region = { rows: [1, h] as [number, number], cols: [2, w - 1] as [number, number] };
    if (w > 3) {
      add(`blockMean partial edges ${label}`, `factor ${f}, rows 1..${h}, cols 2..${w - 1}`, () => blockMean(p, f, { edges: "partial", ...region }), ref.add("block_mean", p, { factor: f, edges: "partial", ...region }));
    }
  }
}
// PSSR's own sizes: a 768² EM tile pre-upsampled x4 (torch scale_factor) and binned back.
add("PSSR sizes: EM 768x768", "upsampleBilinear x4", () => upsampleBilinear(clean, 4), ref.add("torch_interp", clean, { scale_factor: 4, mode: "bilinear" }));
add("PSSR sizes: EM 768x768", "resize area to 192x192", () => resize(clean, 192, 192, { method: "area" }), ref.add("torch_interp", clean, { size: [192, 192], mode: "area" }));
add("PSSR sizes: EM 768x768", "rescale 1/4", () => rescale(clean, 0.25), ref.add("rescale", clean, { factor: 0.25 }));
// Where rounding puts scipy's last sample beyond the edge (i·(in-1)/(out-1) > in-1 for i = out-1)
// scipy's mode 'constant' returns 0 there: resize(alignCorners) follows it.
const thin = randomPlane(4, 4, 31);
add("resize bilinear alignCorners: scipy's edge rounding", "4x4 -> 188x148", () => resize(thin, 188, 148, { method: "bilinear", alignCorners: true }), ref.add("zoom_to", thin, { size: [188, 148], order: 1 }));

cases.describe("resampling vs torch / scipy / skimage", "reference", TOL);

describe("resampling: properties and errors", () => {
  it("area resize by an integer factor is blockMean", () => {
    const p = randomPlane(64, 48, 3);
    assert.deepEqual(resize(p, 16, 12, { method: "area" }).data, blockMean(p, 4).data);
  });
  it("output sizes: zoom/rescale round halves to even, upsampleBilinear floors", () => {
    const p = randomPlane(37, 53, 4);
    const z = zoom(p, 0.5, { order: 1 });
    assert.deepEqual([z.height, z.width], [18, 26]);
    const r = rescale(p, 0.5);
    assert.deepEqual([r.height, r.width], [18, 26]);
    const u = upsampleBilinear(p, 2.5);
    assert.deepEqual([u.height, u.width], [92, 132]);
    assert.equal(roundHalfEven(2.5), 2);
    assert.equal(roundHalfEven(3.5), 4);
    assert.equal(roundHalfEven(-0.5), -0);
  });
  it("never mutates the input", () => {
    const p = randomPlane(20, 30, 5);
    const copy = Float32Array.from(p.data);
    resize(p, 40, 60, { method: "bicubic" });
    zoom(p, 2);
    rescale(p, 0.5, { order: 3 });
    upsampleBilinear(p, 4);
    blockMean(p, 2);
    assert.deepEqual(p.data, copy);
  });
  it("rejects bad sizes, factors and methods with PssrError", () => {
    const p = randomPlane(8, 8, 6);
    assert.throws(() => resize(p, 0, 4, { method: "bilinear" }), PssrError);
    assert.throws(() => resize(p, 4, 4, { method: "lanczos" as never }), /unknown resize method "lanczos"/);
    assert.throws(() => zoom(p, -1), PssrError);
    assert.throws(() => zoom(p, 0.01), PssrError);
    assert.throws(() => rescale(p, 2, { order: 2 as never }), PssrError);
    assert.throws(() => blockMean(p, 3.5), PssrError);
    assert.throws(() => blockMean(p, 9), PssrError);
    assert.throws(() => upsampleBilinear(p, Infinity), PssrError);
  });
});
