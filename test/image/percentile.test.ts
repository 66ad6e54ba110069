// percentile/percentiles against numpy.percentile (default method 'linear').
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PssrError } from "../../src/errors.js";
import { percentile, percentiles } from "../../src/image/percentile.js";
import type { Plane } from "../../src/image/image.js";
import { RefSession, emSample, randomPlane } from "./reference.js";

const ref = new RefSession();
const [cortex, noisy] = ref.readTifs([emSample("microns_mouse_cortex_1.tif"), emSample("../emdiffuse_noisy_sem/patch_2_3.tif")]);
const PS = [0, 0.1, 1, 3, 25, 33.3, 50, 75, 99, 99.8, 99.9, 100];

// Ties (uint8-valued data), a constant run, tiny and odd lengths, negative values.
const ties = { data: Float32Array.from({ length: 1001 }, (_, i) => (i * 7919) % 13), height: 1, width: 1001 };
const inputs: [string, Plane][] = [
  ["EM cortex (uint8 levels, many ties)", cortex],
  ["noisy SEM patch (uint16)", noisy],
  ["random 37x53", randomPlane(37, 53, 5)],
  ["tie-heavy 1001 values", ties],
  ["one value", { data: Float32Array.of(0.3), height: 1, width: 1 }],
  ["two values", { data: Float32Array.of(2, -1), height: 1, width: 2 }],
  ["negative and large", { data: Float32Array.of(-1e6, 3, 3, 3, 7.5, -2, 1e-7), height: 1, width: 7 }],
  ["large random 800x900", randomPlane(800, 900, 11)],
];
const jobs = inputs.map(([, p]) => ref.add("percentile", p, { ps: PS }));

describe("percentile vs numpy.percentile", () => {
  before(() => ref.run());
  after(() => ref.dispose());
  inputs.forEach(([label, p], i) => {
    it(label, () => {
      const expected = ref.value(jobs[i]);
      const ours = percentiles(p.data, PS);
      PS.forEach((q, k) => {
        const tol = 0; // same selection ranks and the same _lerp arithmetic: bit-identical to numpy in float64
        assert.ok(Math.abs(ours[k] - expected[k]) <= tol, `p=${q}: ours ${ours[k]} numpy ${expected[k]}`);
        assert.equal(percentile(p.data, q), ours[k]);
      });
    });
  });
});

describe("percentile: errors and properties", () => {
  it("throws PssrError on NaN, empty input and p outside 0..100", () => {
    assert.throws(() => percentile(Float32Array.of(1, NaN, 2), 50), (e: unknown) => e instanceof PssrError && /NaN/.test(e.message));
    assert.throws(() => percentile(new Float32Array(0), 50), PssrError);
    assert.throws(() => percentile([1, 2], 101), PssrError);
    assert.throws(() => percentile([1, 2], -0.1), PssrError);
  });
  it("leaves its input untouched and accepts plain arrays", () => {
    const a = Float32Array.of(5, 1, 4, 2, 3);
    assert.equal(percentile(a, 50), 3);
    assert.deepEqual([...a], [5, 1, 4, 2, 3]);
    assert.equal(percentile([10, 20], 25), 12.5);
  });
  it("is monotone in p on random data", () => {
    const p = randomPlane(64, 64, 3);
    const qs = Array.from({ length: 101 }, (_, i) => i);
    const v = percentiles(p.data, qs);
    for (let i = 1; i < v.length; i++) assert.ok(v[i] >= v[i - 1]);
  });
});
