// calibrate(): recovery of a known Poisson-Gaussian model from one image synthesised with
// numpy (test/ref/crappify_synth.py), and the synthetic-vs-measured noise curve on the real
// noisy SEM acquisitions of EMDiffuse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calibrate, crappify, fitPoissonGaussian, estimateNoiseCurve, type NoiseCurvePoint } from "../../src/crappify/index.js";
import type { Image, Plane } from "../../src/image/image.js";
import { runPython } from "../helpers.js";

const CASES = [
  { name: "g2_r5", gain: 2, read: 5, offset: 0, photons: 200, background: 5, seed: 1 },
  { name: "g05_r3", gain: 0.5, read: 3, offset: 0, photons: 200, background: 5, seed: 2 },
  { name: "g4_r10_off100", gain: 4, read: 10, offset: 100, photons: 200, background: 5, seed: 3 },
];

const dir = mkdtempSync(join(tmpdir(), "pssr-calib-"));
const info = JSON.parse(runPython("crappify_synth.py", [dir, JSON.stringify(CASES)])) as { shape: [number, number]; sem: string[]; em: string; bpae: string };

function loadRaw(path: string, h: number, w: number): Plane {
  const b = readFileSync(path);
  return { data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), height: h, width: w };
}

test("recovers gain and read-noise variance within 10% on numpy-synthesised Poisson-Gaussian images", (t) => {
  for (const c of CASES) {
    const img = loadRaw(join(dir, `${c.name}.bin`), info.shape[0], info.shape[1]);
    const r = calibrate(img, undefined, c.offset ? { offset: c.offset } : {});
    const gErr = r.fit.gain / c.gain - 1;
    const vErr = r.fit.readNoiseVariance / (c.read * c.read) - 1;
    t.diagnostic(`${c.name}: gain ${r.fit.gain.toFixed(3)} (${(100 * gErr).toFixed(1)}%), read variance ${r.fit.readNoiseVariance.toFixed(2)} (${(100 * vErr).toFixed(1)}%), fit residual ${r.residual.toFixed(3)}`);
    assert.equal(r.fit.inverted, false);
    assert.ok(Math.abs(gErr) < 0.1, `${c.name}: gain ${r.fit.gain} vs ${c.gain}`);
    assert.ok(Math.abs(vErr) < 0.1, `${c.name}: read variance ${r.fit.readNoiseVariance} vs ${c.read ** 2}`);
    assert.equal(r.recipe.name, "physical");
    assert.ok(Math.abs((r.recipe.params.readNoiseAdu as number) - Math.sqrt(r.fit.readNoiseVariance)) < 1e-9);
  }
});

test("real noisy SEM: the fitted recipe's synthetic noise curve matches the measured one within 15% in every bin", (t) => {
  for (const path of info.sem) {
    const lr: Image = { data: loadRaw(path, 256, 256).data, shape: [256, 256], axes: "YX", pixelSize: null, dtype: "uint16" };
    const r = calibrate(lr);
    assert.ok(r.realCurve.length >= 8, `${path}: ${r.realCurve.length} bins`);
    let worst = 0;
    for (const p of r.realCurve) {
      const q = r.syntheticCurve.find((s) => s.bin === p.bin);
      assert.ok(q, `${path}: synthetic curve lacks bin ${p.bin}`);
      const rel = Math.abs(q.variance / p.variance - 1);
      worst = Math.max(worst, rel);
      assert.ok(rel <= 0.15, `${path}: at mean ${p.mean.toFixed(0)} synthetic variance ${q.variance.toFixed(0)} vs measured ${p.variance.toFixed(0)}`);
    }
    assert.ok(Math.abs(worst - r.curveMismatch) < 1e-12);
    // The curve spans the intensity range of the image (2%..98% of pixels).
    const span = r.realCurve[r.realCurve.length - 1].mean - r.realCurve[0].mean;
    assert.ok(span > 5000, `${path}: curve spans ${span}`);
    assert.equal(r.recipe.params.bitDepth, 16);
    t.diagnostic(`${path.split("/").pop()}: gain ${r.fit.gain.toFixed(1)} ADU/e, inverted ${r.fit.inverted}, offset ${r.fit.offset.toFixed(0)}, fit residual ${r.residual.toFixed(3)}, worst bin ${(100 * worst).toFixed(1)}%`);
  }
});

test("with an HR image: recovers the detector, photon scale and scale factor of a physical-recipe LR", (t) => {
  // Real fluorescence HR (BPAE, 680x1100), LR made by the physical recipe at scale 2.
  const hrPlane = loadRaw(info.bpae, info.shape[0], info.shape[1]);
  const hr: Image = { data: hrPlane.data, shape: [hrPlane.height, hrPlane.width], axes: "YX", pixelSize: null, dtype: "float32" };
  const truth = { hrPhotonsAtMax: 100, gainAduPerPhoton: 3, offsetAdu: 0, readNoiseAdu: 4, bitDepth: 0 };
  const lr = crappify(hr, "physical", { seed: 8, scaleFactor: 2, params: truth }).lr;
  const r = calibrate(lr, hr);
  t.diagnostic(`gain ${r.fit.gain.toFixed(3)}, photons at max ${(r.recipe.params.hrPhotonsAtMax as number).toFixed(1)}, curve mismatch ${r.curveMismatch.toFixed(3)}`);
  assert.equal(r.scaleFactor, 2);
  assert.ok(Math.abs(r.fit.gain / 3 - 1) < 0.1, `gain ${r.fit.gain}`);
  assert.ok(Math.abs((r.recipe.params.hrPhotonsAtMax as number) / 100 - 1) < 0.1, `photons ${r.recipe.params.hrPhotonsAtMax}`);
  assert.ok(r.curveMismatch < 0.15, `curve mismatch ${r.curveMismatch}`);
  assert.throws(() => calibrate(lr, { ...hr, data: hrPlane.data.subarray(0, 600 * 1100), shape: [600, 1100] }), /not an integer multiple/);
});

test("fitPoissonGaussian: exact lines, inverted contrast, known offset", () => {
  const line = (a: number, b: number): NoiseCurvePoint[] => [10, 20, 40, 80].map((m, bin) => ({ mean: m, variance: a * m + b, count: 1000, bin }));
  const f = fitPoissonGaussian(line(2, 9));
  assert.ok(Math.abs(f.gain - 2) < 1e-9 && Math.abs(f.readNoiseVariance - 9) < 1e-9 && f.offset === 0 && f.residual < 1e-12);
  const inv = fitPoissonGaussian(line(-0.5, 100));
  assert.ok(inv.inverted && Math.abs(inv.gain - 0.5) < 1e-9 && Math.abs(inv.offset - 200) < 1e-9);
  const known = fitPoissonGaussian(line(2, -191), { offset: 100 });
  assert.ok(Math.abs(known.readNoiseVariance - 9) < 1e-9);
  assert.throws(() => fitPoissonGaussian(line(1, 1).slice(0, 1)), /at least 2/);
});

test("estimateNoiseCurve rejects tiny or non-finite images", () => {
  assert.throws(() => estimateNoiseCurve({ data: new Float32Array(64), height: 8, width: 8 }), /at least 16x16/);
  const p = { data: new Float32Array(32 * 32).fill(1), height: 32, width: 32 };
  p.data[5] = Infinity;
  assert.throws(() => estimateNoiseCurve(p), /non-finite/);
});
