import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { frc, frcMap, singleImageFrc, tukeyWindow } from "../../src/metrics/frc.js";
import { PssrError } from "../../src/errors.js";
import { runPython } from "../helpers.js";
import { maxAbsDiff, noisePlane, readF32, tempDir, writeF32 } from "./util.js";

test("tukeyWindow matches scipy.signal.windows.tukey at its defining points", () => {
  const w = tukeyWindow(9, 0.5); // width = floor(0.5*8/2) = 2: ramp 0, 0.5, 1
  assert.ok(Math.abs(w[0]) < 1e-12 && Math.abs(w[1] - 0.5) < 1e-12 && w[2] === 1 && w[4] === 1);
  assert.ok(Math.abs(w[7] - 0.5) < 1e-12 && Math.abs(w[8]) < 1e-12);
});

test("identical images correlate 1 at all radii and never cross", () => {
  const a = noisePlane(100, 120, 1);
  const r = frc(a, a, { threshold: "half-bit" });
  for (const [, v] of r.curve) assert.ok(Math.abs(v - 1) < 1e-9, `frc ${v}`);
  assert.equal(r.status, "above-threshold");
  assert.equal(r.resolutionPx, null);
  assert.equal(r.fftSize, 128);
  assert.equal(r.curve.length, 65);
  assert.equal(r.curve[64][0], 0.5);
});

test("independent noise stays near 0 and below the 3-sigma curve", () => {
  const r = frc(noisePlane(256, 256, 11), noisePlane(256, 256, 12), { threshold: "3sigma" });
  let normSq = 0;
  let sum = 0;
  for (let k = 1; k < r.curve.length; k++) {
    const v = r.curve[k][1];
    assert.ok(v < r.thresholdCurve[k][1], `ring ${k}: frc ${v} >= threshold ${r.thresholdCurve[k][1]}`);
    normSq += v * v * r.ringPixels[k];
    sum += v;
  }
  // Pure-noise FRC has mean 0 and standard deviation ~1/sqrt(ring pixels).
  const m = r.curve.length - 1;
  assert.ok(normSq / m > 0.5 && normSq / m < 1.5, `mean frc^2 * n = ${normSq / m}`);
  assert.ok(Math.abs(sum / m) < 0.02, `mean frc of independent noise ${sum / m}`);
  assert.equal(r.status, "below-threshold");
  assert.equal(r.resolutionPx, null);
});

test("curve agrees with a numpy FFT implementation of the same definition within 1e-4", () => {
  const { dir, cleanup } = tempDir();
  try {
    // Non-square, non-power-of-two: exercises padding and the window.
    const h = 90, w = 130;
    const a = noisePlane(h, w, 5);
    const b = noisePlane(h, w, 6);
    for (let i = 0; i < a.data.length; i++) {
      const s = Math.sin(i * 0.01) * 3 + Math.cos((i % w) * 0.2);
      a.data[i] += s;
      b.data[i] += s;
    }
    writeF32(join(dir, "a.f32"), a);
    writeF32(join(dir, "b.f32"), b);
    const ref = JSON.parse(runPython("metrics_frc.py", ["curve", join(dir, "a.f32"), join(dir, "b.f32"), String(h), String(w), "0.25"]));
    const r = frc(a, b);
    assert.equal(r.fftSize, ref.n);
    assert.deepEqual(r.ringPixels, ref.count);
    const err = maxAbsDiff(r.curve.map(([, v]) => v), ref.frc);
    assert.ok(err < 1e-4, `max |ours - numpy| = ${err}`);
  } finally {
    cleanup();
  }
});

test("an ideally low-passed image crosses 1/7 at the cutoff within 5%", () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const cutoff of [0.1, 0.25]) {
      // Noise at 1/4 of the signal's spectral density inside the band: FRC 0.8 there, 0 beyond.
      const noise = Math.sqrt(1 / (Math.PI * cutoff * cutoff) / 4);
      runPython("metrics_frc.py", ["lowpass", dir, "512", String(cutoff), String(noise), "3"]);
      const a = readF32(join(dir, "a.f32"), 512, 512);
      const b = readF32(join(dir, "b.f32"), 512, 512);
      const r = frc(a, b, { pixelSizeNm: 2 });
      assert.equal(r.status, "crossed");
      const f = r.crossingFrequency!;
      assert.ok(Math.abs(f - cutoff) / cutoff < 0.05, `cutoff ${cutoff}: crossing at ${f}`);
      assert.ok(Math.abs(r.resolutionPx! - 1 / f) < 1e-9);
      assert.ok(Math.abs(r.resolutionNm! - 2 / f) < 1e-9);
      // the same image pair crosses the stricter thresholds no later than 1/7
      const hb = frc(a, b, { threshold: "half-bit" });
      assert.ok(hb.crossingFrequency! <= f + 1e-9 && Math.abs(hb.crossingFrequency! - cutoff) / cutoff < 0.05);
    }
  } finally {
    cleanup();
  }
});

test("single-image FRC is labelled and finds a finite resolution on a low-passed image", () => {
  const { dir, cleanup } = tempDir();
  try {
    // One noisy acquisition: band-limited signal (0.1 cycles/px) plus white noise.
    runPython("metrics_frc.py", ["lowpass", dir, "256", "0.1", "2", "4"]);
    const noisy = readF32(join(dir, "a.f32"), 256, 256);
    const r = singleImageFrc(noisy, { method: "checkerboard" });
    assert.equal(r.singleImage, true);
    assert.equal(r.kind, "single-image-checkerboard");
    assert.equal(r.status, "crossed");
    assert.ok(r.correction! > 0.5 && r.correction! < 1.6);
    // True resolution 1/0.1 = 10 px; the checkerboard estimate is an approximation.
    assert.ok(r.resolutionPx! > 5 && r.resolutionPx! < 20, `resolution ${r.resolutionPx}`);
    // Binomial splitting of counts: Poisson image of a band-limited field.
    runPython("metrics_frc.py", ["lowpass", dir, "256", "0.1", "0", "4"]);
    const a = readF32(join(dir, "a.f32"), 256, 256);
    const counts = new Float32Array(a.data.length);
    const lam = a.data.map((v) => Math.max(0, 20 + 2 * v));
    let s = 7;
    for (let i = 0; i < counts.length; i++) {
      // Knuth Poisson with a tiny LCG, seeded
      let L = Math.exp(-lam[i]), k = 0, p = 1;
      do {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        p *= s / 4294967296;
        k++;
      } while (p > L);
      counts[i] = k - 1;
    }
    const rb = singleImageFrc({ data: counts, height: 256, width: 256 }, { method: "binomial", seed: 9 });
    assert.equal(rb.kind, "single-image-binomial");
    assert.equal(rb.seed, 9);
    assert.equal(rb.status, "crossed");
    assert.ok(Math.abs(rb.crossingFrequency! - 0.1) / 0.1 < 0.1, `binomial crossing ${rb.crossingFrequency}`);
    assert.throws(() => singleImageFrc(a, { method: "binomial" }), /non-negative integer/);
  } finally {
    cleanup();
  }
});

test("frcMap gives one resolution per block and a full-size map", () => {
  const a = noisePlane(128, 192, 1);
  const m = frcMap(a, a, { blockPx: 64 });
  assert.equal(m.rows, 2);
  assert.equal(m.cols, 3);
  assert.equal(m.map.data.length, 128 * 192);
  // identical blocks never cross -> NaN, reported as no statistics
  assert.ok(Array.from(m.blocks.data).every((v) => Number.isNaN(v)));
  assert.equal(m.meanPx, null);
});

test("frcMap blocks of a band-limited pair each resolve about 1/cutoff", () => {
  const { dir, cleanup } = tempDir();
  try {
    const cutoff = 0.2;
    runPython("metrics_frc.py", ["lowpass", dir, "512", String(cutoff), String(Math.sqrt(1 / (Math.PI * cutoff * cutoff) / 4)), "7"]);
    const a = readF32(join(dir, "a.f32"), 512, 512);
    const b = readF32(join(dir, "b.f32"), 512, 512);
    const m = frcMap(a, b, { blockPx: 128, pixelSizeNm: 2 });
    assert.equal(m.rows * m.cols, 16);
    for (const v of m.blocks.data) assert.ok(Math.abs(v - 1 / cutoff) / (1 / cutoff) < 0.15, `block resolution ${v} px`);
    assert.ok(Math.abs(m.meanPx! - 1 / cutoff) / (1 / cutoff) < 0.1, `mean ${m.meanPx}`);
    assert.equal(m.map.data[130 * 512 + 300], m.blocks.data[1 * 4 + 2]);
  } finally {
    cleanup();
  }
});

test("bad input: mismatched shapes, NaN pixels, unknown threshold", () => {
  const a = noisePlane(64, 64, 1);
  assert.throws(() => frc(a, noisePlane(64, 65, 2)), (e: unknown) => e instanceof PssrError && /64x64.*64x65/.test(e.message));
  const bad = noisePlane(64, 64, 3);
  bad.data[70] = NaN;
  assert.throws(() => frc(a, bad), (e: unknown) => e instanceof PssrError && e.code === "non-finite-pixels" && /y=1, x=6/.test(e.message));
  assert.throws(() => frc(a, a, { threshold: "2bit" as never }), /valid: 1\/7, half-bit/);
  const flat = { data: new Float32Array(64 * 64).fill(3), height: 64, width: 64 };
  assert.throws(() => frc(a, flat), /second image is constant \(every pixel 3\), so the FRC is undefined/);
  // a flat block in a map is NaN, not an error
  const half = noisePlane(64, 128, 4);
  for (let y = 0; y < 64; y++) half.data.fill(0, y * 128 + 64, y * 128 + 128);
  const m = frcMap(half, half, { blockPx: 64 });
  assert.ok(Number.isNaN(m.blocks.data[1]));
});
