import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { annotatorAgreement, detectBlobs, detectionScores, matchDetections } from "../../src/metrics/blobs.js";
import { readImage } from "../../src/io/read.js";
import { getPlane, type Plane } from "../../src/image/image.js";
import { samplesDir } from "../helpers.js";
import { gaussianNoise, uniform } from "./util.js";

/** Gaussian blobs (sigma sb) at random well-separated positions plus seeded Gaussian noise. */
function synthetic(seed: number, sb: number, n: number, size = 256, noise = 0.05): { img: Plane; truth: [number, number][] } {
  const u = uniform(seed);
  const truth: [number, number][] = [];
  while (truth.length < n) {
    const p: [number, number] = [12 + u() * (size - 24), 12 + u() * (size - 24)];
    if (truth.every((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) > 6 * sb)) truth.push(p);
  }
  const data = new Float32Array(size * size).fill(0.2);
  for (const [bx, by] of truth) {
    const amp = 0.7 + 0.6 * u();
    for (let y = Math.max(0, Math.floor(by - 5 * sb)); y <= Math.min(size - 1, Math.ceil(by + 5 * sb)); y++) {
      for (let x = Math.max(0, Math.floor(bx - 5 * sb)); x <= Math.min(size - 1, Math.ceil(bx + 5 * sb)); x++) {
        data[y * size + x] += amp * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * sb * sb));
      }
    }
  }
  const nz = gaussianNoise(size * size, seed + 1);
  for (let i = 0; i < data.length; i++) data[i] += noise * nz[i];
  return { img: { data, height: size, width: size }, truth };
}

test("LoG and DoG find synthetic blobs at known positions (precision and recall >= 0.95)", () => {
  const { img, truth } = synthetic(3, 2.5, 60);
  for (const method of ["log", "dog"] as const) {
    const r = detectBlobs(img, { sigmaPx: 2.5, method, thresholdRel: 0.2 });
    const s = detectionScores(r.blobs, truth, { radiusPx: 3 });
    assert.ok(s.recall >= 0.95 && s.precision >= 0.95, `${method}: recall ${s.recall}, precision ${s.precision}, ${r.blobs.length} found`);
    assert.ok(s.meanDistancePx! < 0.6, `${method}: mean localisation error ${s.meanDistancePx}`);
  }
  // The same size given in nm: diameter 2 sqrt(2) sigma px at 4 nm/px.
  const r = detectBlobs(img, { diameterNm: 2 * Math.SQRT2 * 2.5 * 4, pixelSizeNm: 4 });
  assert.ok(Math.abs(r.sigmaPx - 2.5) < 1e-12);
  assert.ok(detectionScores(r.blobs, truth, { radiusPx: 3 }).f1 >= 0.95);
  assert.throws(() => detectBlobs(img, { diameterNm: 40 }), /needs pixelSizeNm/);
  assert.throws(() => detectBlobs(img, {}), /expected size/);
});

test("dark blobs are found with polarity dark", () => {
  const { img, truth } = synthetic(8, 2, 40);
  const inv: Plane = { ...img, data: img.data.map((v) => 2 - v) };
  const r = detectBlobs(inv, { sigmaPx: 2, polarity: "dark" });
  const s = detectionScores(r.blobs, truth, { radiusPx: 3 });
  assert.ok(s.f1 >= 0.95, `f1 ${s.f1}`);
});

test("matching is one-to-one, greedy by distance, and scores count TP/FP/FN", () => {
  const m = matchDetections([[0, 0], [1, 0]], [[0.6, 0]], { radiusPx: 2 });
  assert.deepEqual(m.map((x) => [x.a, x.b]), [[1, 0]]);
  const s = detectionScores([[0, 0], [1, 0], [50, 50]], [[0.6, 0], [10, 10]], { radiusPx: 2 });
  assert.equal(s.truePositives, 1);
  assert.equal(s.falsePositives, 2);
  assert.equal(s.falseNegatives, 1);
  assert.ok(Math.abs(s.precision - 1 / 3) < 1e-12 && Math.abs(s.recall - 0.5) < 1e-12 && Math.abs(s.f1 - 0.4) < 1e-12);
  const e = detectionScores([], [], { radiusPx: 1 });
  assert.equal(e.f1, 1);
  assert.throws(() => matchDetections([], [], { radiusPx: 0 }), /radiusPx/);
});

test("model-vs-human agreement is compared with human-vs-human agreement", () => {
  const { truth } = synthetic(5, 2, 30);
  const u = uniform(99);
  const annotator = (drop: number) => truth.filter(() => u() > drop).map(([x, y]) => [x + (u() - 0.5), y + (u() - 0.5)] as [number, number]);
  const a1 = annotator(0.1);
  const a2 = annotator(0.1);
  const r = annotatorAgreement(truth, [a1, a2], { radiusPx: 2 });
  assert.equal(r.perAnnotator.length, 2);
  assert.equal(r.pairwise[0][1], r.pairwise[1][0]);
  assert.ok(Math.abs(r.pairwise[0][1] - detectionScores(a1, a2, { radiusPx: 2 }).f1) < 1e-12);
  // Perfect candidate: agreement with each annotator beats their agreement with each other.
  assert.ok(r.candidateVsAnnotators > r.annotatorVsAnnotator!, JSON.stringify(r));
});

test("on the real EM pair (clean vs noisy acquisition) detection runs and reports counts", async (t) => {
  const dir = join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean");
  const clean = getPlane(await readImage(join(dir, "pair1_gt_clean.tif")));
  const noisy = getPlane(await readImage(join(dir, "pair1_input_noisy.tif")));
  // Vesicles in this crop are ~8-10 px across (pixel size not stated by the source).
  const opts = { diameterPx: 9, thresholdRel: 0.3 } as const;
  const a = detectBlobs(clean, opts);
  const b = detectBlobs(noisy, opts);
  const s = detectionScores(b.blobs, a.blobs, { radiusPx: 3 });
  t.diagnostic(`clean: ${a.blobs.length} blobs, noisy: ${b.blobs.length}, noisy-vs-clean precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)}`);
  assert.ok(a.blobs.length > 10 && b.blobs.length > 10);
  assert.ok(s.f1 > 0 && s.f1 <= 1);
});
