import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { errorMap } from "../../src/metrics/errormap.js";
import { minimizeBounded } from "../../src/metrics/minimize.js";
import { PssrError } from "../../src/errors.js";
import { runPython } from "../helpers.js";
import { noisePlane, readF32, tempDir } from "./util.js";

function within(ours: number, truth: number, rel: number, what: string): void {
  assert.ok(Math.abs(ours - truth) <= rel * Math.abs(truth), `${what}: recovered ${ours}, true ${truth}`);
}

test("minimizeBounded finds the minimum of a parabola and reports a bound for a monotone cost", () => {
  const r = minimizeBounded((x) => (x - 1.234) ** 2 + 3, 0, 10);
  assert.ok(Math.abs(r.x - 1.234) < 1e-4 && Math.abs(r.fx - 3) < 1e-8, JSON.stringify(r));
  assert.equal(minimizeBounded((x) => -x, 0, 5).x, 5);
});

test("known sigma, alpha, beta are recovered within 5% (scipy-made cases, magnification 4 and 1)", () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases = [
      { n: 256, m: 4, sigma: 6, alpha: 2.5, beta: 10, noise: 0 },
      { n: 256, m: 4, sigma: 3, alpha: 0.7, beta: -4, noise: 0.01 },
      { n: 128, m: 1, sigma: 2, alpha: 40, beta: 100, noise: 0.2 },
    ];
    for (const c of cases) {
      runPython("metrics_errormap.py", ["make", dir, String(c.n), String(c.m), String(c.sigma), String(c.alpha), String(c.beta), String(c.noise), "5"]);
      const sr = readF32(join(dir, "sr.f32"), c.n, c.n);
      const ref = readF32(join(dir, "ref.f32"), c.n / c.m, c.n / c.m);
      const r = errorMap(sr, ref);
      const what = `m=${c.m} sigma=${c.sigma}`;
      assert.equal(r.magnification, c.m);
      within(r.sigmaPx, c.sigma, 0.05, `${what} sigma`);
      within(r.alpha, c.alpha, 0.05, `${what} alpha`);
      within(r.beta, c.beta, 0.05, `${what} beta`);
      assert.ok(Math.abs(r.sigmaReferencePx - r.sigmaPx / c.m) < 1e-12);
      assert.ok(r.rsp > 0.95, `${what} rsp ${r.rsp}`);
      assert.ok(r.rse <= c.noise * 1.2 + 1e-3 * c.alpha, `${what} rse ${r.rse}`);
      assert.equal(r.map.height, c.n / c.m);
      assert.equal(r.atUpperBound, false);
      // The map is |ref - scaled| pixel by pixel and its RMS is the RSE.
      let ss = 0;
      for (let i = 0; i < r.map.data.length; i++) {
        assert.ok(Math.abs(r.map.data[i] - Math.abs(ref.data[i] - r.resolutionScaled.data[i])) < 1e-4);
        ss += r.map.data[i] ** 2;
      }
      assert.ok(Math.abs(Math.sqrt(ss / r.map.data.length) - r.rse) < 1e-4 * Math.max(1, r.rse));
    }
  } finally {
    cleanup();
  }
});

test("a sigma beyond the search range is flagged at the upper bound", () => {
  const { dir, cleanup } = tempDir();
  try {
    runPython("metrics_errormap.py", ["make", dir, "128", "2", "8", "1", "0", "0", "6"]);
    const r = errorMap(readF32(join(dir, "sr.f32"), 128, 128), readF32(join(dir, "ref.f32"), 64, 64), { sigmaRangePx: [0, 4] });
    assert.equal(r.atUpperBound, true);
    assert.ok(Math.abs(r.sigmaPx - 4) < 1e-3);
  } finally {
    cleanup();
  }
});

test("bad input: non-integer magnification, NaN pixels, bad range", () => {
  const ref = noisePlane(32, 32, 1);
  assert.throws(() => errorMap(noisePlane(48, 64, 2), ref), (e: unknown) => e instanceof PssrError && e.code === "shape-mismatch" && /48x64.*32x32/.test(e.message));
  const bad = noisePlane(64, 64, 3);
  bad.data[5] = Infinity;
  assert.throws(() => errorMap(bad, ref), /restored image has a non-finite pixel/);
  assert.throws(() => errorMap(noisePlane(64, 64, 3), ref, { sigmaRangePx: [3, 1] }), /sigmaRangePx/);
  const flat = { data: new Float32Array(64 * 64).fill(1), height: 64, width: 64 };
  assert.throws(() => errorMap(flat, ref), /restored image is constant/);
});
