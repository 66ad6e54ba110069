import { test } from "node:test";
import assert from "node:assert/strict";
import { kymograph } from "../../src/metrics/kymograph.js";
import type { Image } from "../../src/image/image.js";
import { PssrError } from "../../src/errors.js";

/** A (T, Y, X) stack with one Gaussian spot per frame at position(t), plus a flat background. */
function movingSpot(T: number, H: number, W: number, position: (t: number) => [number, number], sigma = 2): Image<Float32Array> {
  const data = new Float32Array(T * H * W);
  for (let t = 0; t < T; t++) {
    const [px, py] = position(t);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        data[t * H * W + y * W + x] = 10 + 100 * Math.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * sigma * sigma));
      }
    }
  }
  return { data, shape: [T, H, W], axes: "TYX", pixelSize: { value: 0.1, unit: "µm" }, frameIntervalS: 2, dtype: "float32" };
}

/** Sub-pixel peak of each kymograph row (centroid of background-subtracted values within ±5 px). */
function peaks(k: { data: Float32Array; height: number; width: number }): number[] {
  const out: number[] = [];
  for (let t = 0; t < k.height; t++) {
    const row = k.data.subarray(t * k.width, (t + 1) * k.width);
    let arg = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[arg]) arg = i;
    let s = 0;
    let sw = 0;
    for (let i = Math.max(0, arg - 5); i <= Math.min(row.length - 1, arg + 5); i++) {
      const v = row[i] - 10;
      s += v * i;
      sw += v;
    }
    out.push(s / sw);
  }
  return out;
}

function slope(ys: number[]): number {
  const n = ys.length;
  const mt = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, t) => {
    num += (t - mt) * (y - my);
    den += (t - mt) ** 2;
  });
  return num / den;
}

test("a spot moving at a known speed draws a streak with that slope (within 2%)", () => {
  const v = 3.7; // px per frame
  const stack = movingSpot(30, 64, 160, (t) => [20 + v * t, 30.4]);
  for (const reduce of ["mean", "max"] as const) {
    const r = kymograph(stack, [[5, 30], [150, 30]], { widthPx: 5, reduce });
    assert.equal(r.kymograph.height, 30);
    assert.equal(r.kymograph.width, 146);
    const p = peaks(r.kymograph);
    const s = slope(p);
    assert.ok(Math.abs(s - v) / v < 0.02, `${reduce}: slope ${s} px/frame, true ${v}`);
    // calibrated speed
    const umPerS = (s * r.positionStepUm!) / r.frameIntervalS!;
    assert.ok(Math.abs(umPerS - (v * 0.1) / 2) / ((v * 0.1) / 2) < 0.02);
    assert.ok(Math.abs(p[0] - 15) < 0.3, `start ${p[0]}`);
  }
});

test("along a polyline the position is arc length and segment boundaries are reported", () => {
  const v = 2.5;
  // path: (10,10) -> (60,10) -> (60,50); the spot follows it at v px/frame starting 5 px in
  const along = (s: number): [number, number] => (s <= 50 ? [10 + s, 10] : [60, 10 + (s - 50)]);
  const stack = movingSpot(30, 64, 80, (t) => along(5 + v * t));
  const r = kymograph(stack, [[10, 10], [60, 10], [60, 50]], { widthPx: 3 });
  assert.deepEqual(r.segmentBoundariesPx, [50]);
  assert.equal(r.lengthPx, 90);
  assert.equal(r.kymograph.width, 91);
  const p = peaks(r.kymograph);
  // skip the frames near the corner, where the spot blurs across both arms
  const far = p.filter((_, t) => Math.abs(5 + v * t - 50) > 6);
  const ts = p.map((_, t) => t).filter((t) => Math.abs(5 + v * t - 50) > 6);
  let num = 0, den = 0;
  const mt = ts.reduce((a, b) => a + b, 0) / ts.length;
  const my = far.reduce((a, b) => a + b, 0) / far.length;
  ts.forEach((t, i) => { num += (t - mt) * (far[i] - my); den += (t - mt) ** 2; });
  const s = num / den;
  assert.ok(Math.abs(s - v) / v < 0.02, `slope ${s}, true ${v}`);
});

test("bilinear sampling is exact on a linear ramp, including across the width", () => {
  const T = 2, H = 20, W = 30;
  const data = new Float32Array(T * H * W);
  for (let t = 0; t < T; t++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[t * H * W + y * W + x] = 2 * x + 3 * y + t;
  const stack: Image = { data, shape: [T, H, W], axes: "TYX", pixelSize: null, dtype: "float32" };
  const r = kymograph(stack, [[2.5, 3.25], [20.5, 15.25]], { widthPx: 4 });
  const len = Math.hypot(18, 12);
  const ux = 18 / len, uy = 12 / len;
  for (let k = 0; k < r.kymograph.width; k++) {
    const expect = 2 * (2.5 + ux * k) + 3 * (3.25 + uy * k) + 1; // mean over symmetric offsets = centre
    assert.ok(Math.abs(r.kymograph.data[r.kymograph.width + k] - expect) < 1e-3, `k=${k}`);
  }
  assert.equal(r.positionStepUm, null);
  assert.equal(r.frameIntervalS, null);
});

test("bad input: line outside the image, too few points, not a time-lapse", () => {
  const stack = movingSpot(3, 20, 20, () => [5, 5]);
  assert.throws(() => kymograph(stack, [[1, 1], [25, 1]]), (e: unknown) => e instanceof PssrError && /leaves the 20x20 image/.test(e.message));
  assert.throws(() => kymograph(stack, [[5, 0], [15, 0]], { widthPx: 3 }), /offset -1 px across/);
  assert.throws(() => kymograph(stack, [[1, 1]]), /at least 2 points/);
  const plane: Image = { data: new Float32Array(400), shape: [20, 20], axes: "YX", pixelSize: null, dtype: "float32" };
  assert.throws(() => kymograph(plane, [[1, 1], [5, 5]]), /\(T, Y, X\)/);
});

test("non-square pixels: the µm per column follows each segment's direction; a turning line has no single step", () => {
  // 0.1 µm along X, 0.3 µm along Y
  const stack: Image = { ...movingSpot(2, 40, 40, () => [5, 5]), pixelSize: { value: 0.1, unit: "µm" }, pixelSizeY: { value: 0.3, unit: "µm" } };
  // one diagonal segment (3-4-5 direction): a 1 px step is hypot(0.6 * 0.1, 0.8 * 0.3) µm
  const diag = kymograph(stack, [[2, 2], [26, 34]]);
  const stepDiag = Math.hypot(0.6 * 0.1, 0.8 * 0.3);
  assert.ok(Math.abs(diag.positionStepUm! - stepDiag) < 1e-12, `${diag.positionStepUm} vs ${stepDiag}`);
  diag.positionsUm!.forEach((um, k) => assert.ok(Math.abs(um - k * stepDiag) < 1e-9, `k=${k}`));
  // an L: 20 px along X (0.1 µm each), then 10 px along Y (0.3 µm each)
  const l = kymograph(stack, [[5, 5], [25, 5], [25, 15]]);
  assert.equal(l.positionStepUm, null);
  assert.equal(l.positionsUm!.length, 31);
  assert.ok(Math.abs(l.positionsUm![20] - 2.0) < 1e-9 && Math.abs(l.positionsUm![30] - 5.0) < 1e-9, `${l.positionsUm![20]} ${l.positionsUm![30]}`);
  // square pixels: every segment has the X size
  const sq = kymograph({ ...stack, pixelSizeY: null }, [[5, 5], [25, 5], [25, 15]]);
  assert.ok(Math.abs(sq.positionStepUm! - 0.1) < 1e-12 && Math.abs(sq.positionsUm![30] - 3.0) < 1e-9);
});
