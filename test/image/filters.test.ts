// Filters against scipy.ndimage (gaussian_filter, uniform_filter, maximum_filter, convolve) on
// real EM data and odd-sized random planes, every boundary mode.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BOUNDARY_MODES, convolve2d, convolveStrategy, gaussianBlur, gaussianKernel, maximumFilter, uniformFilter } from "../../src/image/filters.js";
import type { Plane } from "../../src/image/image.js";
import { PssrError } from "../../src/errors.js";
import { ReferenceCases, RefSession, crop, emSample, randomPlane } from "./reference.js";

const TOL = 1e-5;
const ref = new RefSession();
const [cortex, liver] = ref.readTifs([emSample("microns_mouse_cortex_0.tif"), emSample("mouse_liver_1.tif")]);

const cases = new ReferenceCases(ref);
const add = cases.add.bind(cases);

const inputs: [string, Plane][] = [
  ["EM cortex 256x256", cortex],
  ["random 37x53", randomPlane(37, 53, 1)],
  ["random 5x7", randomPlane(5, 7, 2)],
  ["random 1x9", randomPlane(1, 9, 3)],
];

for (const [label, p] of inputs) {
  for (const mode of BOUNDARY_MODES) {
    const sigmas = label.startsWith("EM") ? [0.5, 2, 5] : [0.5, 1, 1.7, 3, 5];
    for (const sigma of sigmas) {
      add(`gaussianBlur ${label} mode ${mode}`, `sigma ${sigma}`, () => gaussianBlur(p, sigma, { mode, cval: 0.25 }), ref.add("gaussian", p, { sigma, mode, cval: 0.25 }));
    }
    add(`gaussianBlur ${label} mode ${mode}`, "sigma [2.5, 0.7], truncate 3", () => gaussianBlur(p, [2.5, 0.7], { mode, truncate: 3 }), ref.add("gaussian", p, { sigma: [2.5, 0.7], mode, truncate: 3 }));
    add(`gaussianBlur ${label} mode ${mode}`, "sigma [0, 1.5]", () => gaussianBlur(p, [0, 1.5], { mode }), ref.add("gaussian", p, { sigma: [0, 1.5], mode }));
    for (const size of [1, 2, 3, 4, 7, 12]) {
      add(`uniformFilter ${label} mode ${mode}`, `size ${size}`, () => uniformFilter(p, size, { mode, cval: 0.25 }), ref.add("uniform", p, { size, mode, cval: 0.25 }));
      add(`maximumFilter ${label} mode ${mode}`, `size ${size}`, () => maximumFilter(p, size, { mode, cval: 0.25 }), ref.add("maximum", p, { size, mode, cval: 0.25 }));
    }
    add(`uniformFilter ${label} mode ${mode}`, "size [3, 6]", () => uniformFilter(p, [3, 6], { mode }), ref.add("uniform", p, { size: [3, 6], mode }));
    add(`maximumFilter ${label} mode ${mode}`, "size [5, 2]", () => maximumFilter(p, [5, 2], { mode }), ref.add("maximum", p, { size: [5, 2], mode }));
    for (const [kh, kw] of [
      [3, 3],
      [2, 2],
      [4, 5],
      [7, 6],
    ]) {
      const k = randomPlane(kh, kw, kh * 31 + kw);
      const kernelFile = ref.put(k);
      add(`convolve2d ${label} mode ${mode}`, `kernel ${kh}x${kw}`, () => convolve2d(p, k, { mode, cval: 0.25 }), ref.add("convolve", p, { mode, cval: 0.25 }, { kernel: kernelFile, kshape: [kh, kw] }));
    }
  }
}
// Default modes: gaussian 'nearest' (ours), uniform 'reflect', maximum 'constant' cval 0, convolve 'constant'.
const em = crop(liver, 40, 17, 150, 201);
add("defaults on EM liver 150x201", "gaussianBlur sigma 2 = nearest", () => gaussianBlur(em, 2), ref.add("gaussian", em, { sigma: 2, mode: "nearest" }));
add("defaults on EM liver 150x201", "uniformFilter 5 = reflect", () => uniformFilter(em, 5), ref.add("uniform", em, { size: 5, mode: "reflect" }));
add("large windows on EM liver 150x201", "maximumFilter 64 (train/data.ts's hrPatch/2)", () => maximumFilter(em, 64), ref.add("maximum", em, { size: 64, mode: "constant" }));
add("large windows on EM liver 150x201", "maximumFilter [201, 3] reflect", () => maximumFilter(em, [201, 3], { mode: "reflect" }), ref.add("maximum", em, { size: [201, 3], mode: "reflect" }));
add("large windows on EM liver 150x201", "uniformFilter 65 mirror", () => uniformFilter(em, 65, { mode: "mirror" }), ref.add("uniform", em, { size: 65, mode: "mirror" }));
add("large windows on EM liver 150x201", "gaussianBlur sigma 40 wrap", () => gaussianBlur(em, 40, { mode: "wrap" }), ref.add("gaussian", em, { sigma: 40, mode: "wrap" }));
add("defaults on EM liver 150x201", "maximumFilter 4 = constant 0", () => maximumFilter(em, 4), ref.add("maximum", em, { size: 4, mode: "constant" }));
const psf = gaussianPlane(9, 9, 1.5);
add("defaults on EM liver 150x201", "convolve2d 9x9 PSF = constant", () => convolve2d(em, psf), ref.add("convolve", em, { mode: "constant" }, { kernel: ref.put(psf), kshape: [9, 9] }));
// A large non-separable kernel takes the FFT path; the same forced through the direct sum.
const big = randomPlane(25, 25, 77);
const bigFile = ref.put(big);
for (const mode of BOUNDARY_MODES) {
  for (const path of ["auto", "direct"] as const) {
    add(`convolve2d 25x25 kernel on EM cortex 256x256 (${path})`, mode, () => withPath(path, () => convolve2d(cortex, big, { mode, cval: 0.25 })), ref.add("convolve", cortex, { mode, cval: 0.25 }, { kernel: bigFile, kshape: [25, 25] }));
  }
  add("convolve2d forced FFT on random 37x53", `kernel 6x9, ${mode}`, () => withPath("fft", () => convolve2d(inputs[1][1], randomPlane(6, 9, 5), { mode, cval: 0.25 })), ref.add("convolve", inputs[1][1], { mode, cval: 0.25 }, { kernel: ref.put(randomPlane(6, 9, 5)), kshape: [6, 9] }));
}
function withPath(path: "auto" | "direct" | "fft", f: () => Plane): Plane {
  const saved = convolveStrategy.path;
  convolveStrategy.path = path;
  try {
    return f();
  } finally {
    convolveStrategy.path = saved;
  }
}
// Outer-product kernels take the two-pass path (except constant edges with cval != 0 and even sizes).
for (const mode of BOUNDARY_MODES) {
  const psf7 = gaussianPlane(7, 11, 1.2);
  const box = { data: new Float32Array(16).fill(1 / 16), height: 4, width: 4 };
  add("convolve2d separable kernels on EM liver 150x201", `7x11 Gaussian, ${mode}, cval 0.25`, () => convolve2d(em, psf7, { mode, cval: 0.25 }), ref.add("convolve", em, { mode, cval: 0.25 }, { kernel: ref.put(psf7), kshape: [7, 11] }));
  add("convolve2d separable kernels on EM liver 150x201", `4x4 box, ${mode}`, () => convolve2d(em, box, { mode }), ref.add("convolve", em, { mode }, { kernel: ref.put(box), kshape: [4, 4] }));
}

function gaussianPlane(h: number, w: number, sigma: number): Plane {
  const data = new Float32Array(h * w);
  let s = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) s += data[y * w + x] = Math.exp(-((y - (h - 1) / 2) ** 2 + (x - (w - 1) / 2) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < data.length; i++) data[i] /= s;
  return { data, height: h, width: w };
}

cases.describe("image filters vs scipy.ndimage", "scipy", TOL);

describe("image filters: properties and errors", () => {
  it("gaussianKernel is scipy's: radius int(4 sigma + 0.5), sums to 1", () => {
    assert.equal(gaussianKernel(1).length, 9);
    assert.equal(gaussianKernel(1.6).length, 2 * 6 + 1);
    assert.equal(gaussianKernel(5).length, 41);
    const k = gaussianKernel(2.3);
    assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it("does not mutate its input and returns new planes", () => {
    const p = randomPlane(20, 30, 9);
    const copy = Float32Array.from(p.data);
    for (const out of [gaussianBlur(p, 2), gaussianBlur(p, 0), uniformFilter(p, 3), uniformFilter(p, 1), maximumFilter(p, 3), convolve2d(p, gaussianPlane(3, 3, 1))]) {
      assert.notEqual(out.data, p.data);
      assert.equal(out.height, 20);
      assert.equal(out.width, 30);
    }
    assert.deepEqual(p.data, copy);
  });

  it("preserves a constant image under 'nearest' and 'reflect' edges", () => {
    const p = { data: new Float32Array(12 * 13).fill(0.75), height: 12, width: 13 };
    for (const out of [gaussianBlur(p, 3), uniformFilter(p, 4), maximumFilter(p, 3, { mode: "reflect" })]) {
      for (const v of out.data) assert.ok(Math.abs(v - 0.75) < 1e-6);
    }
  });

  it("rejects bad arguments with PssrError", () => {
    const p = randomPlane(4, 4, 1);
    assert.throws(() => gaussianBlur(p, -1), PssrError);
    assert.throws(() => gaussianBlur(p, NaN), PssrError);
    assert.throws(() => gaussianBlur(p, 1, { mode: "bogus" as never }), /unknown boundary mode "bogus"/);
    assert.throws(() => uniformFilter(p, 0), PssrError);
    assert.throws(() => maximumFilter(p, 2.5), PssrError);
    assert.throws(() => gaussianBlur({ data: new Float32Array(3), height: 2, width: 2 }, 1), PssrError);
    assert.throws(() => convolve2d({ data: new Float32Array(0), height: 0, width: 0 }, p), PssrError);
  });
});
