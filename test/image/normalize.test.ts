// Normalisations against CSBDeep's formula and BPHO-Salk/PSSR metric_gen.py's norm_minmse, both
// computed in numpy by test/ref/image_ops.py.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PssrError } from "../../src/errors.js";
import type { Plane } from "../../src/image/image.js";
import { normalizeMinMax, normalizeMinMse, normalizePercentile } from "../../src/image/normalize.js";
import { samplesDir } from "../helpers.js";
import { RefSession, emSample, maxAbsDiff, randomPlane } from "./reference.js";

const TOL = 1e-5;
const ref = new RefSession();
const pairDir = join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean");
const [cortex, noisy, clean] = ref.readTifs([emSample("microns_mouse_cortex_0.tif"), join(pairDir, "pair1_input_noisy.tif"), join(pairDir, "pair1_gt_clean.tif")]);

const scaled = (p: Plane, a: number, b: number): Plane => ({ ...p, data: p.data.map((v) => a * v + b) });
const normCases: [string, Plane, { pmin?: number; pmax?: number; clip?: boolean }][] = [
  ["EM cortex, defaults 3/99.8", cortex, {}],
  ["EM cortex x1000+5, 1/99 clipped", scaled(cortex, 1000, 5), { pmin: 1, pmax: 99, clip: true }],
  ["random 37x53, 0.1/99.9", randomPlane(37, 53, 4), { pmin: 0.1, pmax: 99.9 }],
];
const normJobs = normCases.map(([, p, o]) => ref.add("normalize", p, { pmin: o.pmin ?? 3, pmax: o.pmax ?? 99.8, clip: o.clip ?? false }));

const msePairs: [string, Plane, Plane][] = [
  ["noisy vs clean EM (768x768)", noisy, clean],
  ["2x+100 of noisy vs clean (metric_gen's own check)", scaled(noisy, 2, 100), clean],
  ["random 37x53 vs EM crop", randomPlane(37, 53, 8), { data: cortex.data.slice(0, 37 * 53), height: 37, width: 53 }],
];
const mseJobs = msePairs.map(([, pred, gt]) => ref.add("minmse", pred, {}, { gt: ref.put(gt), out_gt: join(ref.dir, `gt${Math.random().toString(36).slice(2)}.bin`) }));

describe("normalisation vs CSBDeep / PSSR metric_gen (numpy)", () => {
  before(() => ref.run());
  after(() => ref.dispose());
  normCases.forEach(([label, p, o], i) => {
    it(`normalizePercentile: ${label}`, (t) => {
      const ours = normalizePercentile(p.data, o);
      const [lo, hi] = ref.value(normJobs[i]);
      assert.ok(Math.abs(ours.low - lo) <= 1e-6 * Math.max(1, Math.abs(lo)), `low ${ours.low} vs ${lo}`);
      assert.ok(Math.abs(ours.high - hi) <= 1e-6 * Math.max(1, Math.abs(hi)), `high ${ours.high} vs ${hi}`);
      const d = maxAbsDiff({ ...p, data: ours.data }, ref.plane(normJobs[i]));
      assert.ok(d <= TOL, `max diff ${d}`);
      t.diagnostic(`max |ours - numpy| = ${d.toExponential(2)}`);
    });
  });
  msePairs.forEach(([label, pred, gt], i) => {
    it(`normalizeMinMse: ${label}`, (t) => {
      const ours = normalizeMinMse(pred.data, gt.data);
      const dg = maxAbsDiff({ ...gt, data: ours.gt }, ref.plane(mseJobs[i], "out_gt"));
      const dp = maxAbsDiff({ ...gt, data: ours.pred }, ref.plane(mseJobs[i]));
      assert.ok(dg <= TOL, `gt max diff ${dg}`);
      assert.ok(dp <= TOL, `pred max diff ${dp}`);
      t.diagnostic(`max |ours - numpy|: gt ${dg.toExponential(2)}, pred ${dp.toExponential(2)}`);
    });
  });
});

describe("normalisation: properties and errors", () => {
  it("normalizeMinMax maps min to 0 and max to 1; a constant image to zeros", () => {
    const r = normalizeMinMax(Float32Array.of(3, 5, 4, 7));
    assert.deepEqual([...r.data], [0, 0.5, 0.25, 1]);
    assert.equal(r.min, 3);
    assert.equal(r.max, 7);
    assert.deepEqual([...normalizeMinMax(Float32Array.of(2, 2)).data], [0, 0]);
    assert.throws(() => normalizeMinMax(Float32Array.of(1, NaN)), PssrError);
    assert.throws(() => normalizeMinMax(new Float32Array(0)), PssrError);
  });
  it("normalizePercentile clip bounds the result to [0, 1] and leaves the input alone", () => {
    const p = randomPlane(30, 30, 2);
    const before = Float32Array.from(p.data);
    const r = normalizePercentile(p.data, { pmin: 10, pmax: 90, clip: true });
    assert.ok(r.data.every((v) => v >= 0 && v <= 1));
    assert.deepEqual(p.data, before);
    assert.throws(() => normalizePercentile(p.data, { pmin: 90, pmax: 10 }), PssrError);
    assert.throws(() => normalizePercentile(Float32Array.of(NaN, 1), {}), PssrError);
  });
  it("normalizeMinMse returns zero-mean images and rejects mismatched sizes", () => {
    const gt = randomPlane(20, 20, 1).data;
    const pred = randomPlane(20, 20, 2).data;
    const r = normalizeMinMse(pred, gt);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean(r.gt)) < 1e-6 && Math.abs(mean(r.pred)) < 1e-6);
    assert.throws(() => normalizeMinMse(pred.subarray(1), gt), PssrError);
  });
});
