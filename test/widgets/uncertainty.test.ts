// The uncertainty overlay of ErrorMap (kernel side: the map travels on the error map's grid)
// and the reliability diagram SVG (parsed by Python's XML parser; points where they belong).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Plane } from "../../src/image/image.js";
import { blockMean } from "../../src/metrics/errormap.js";
import { ErrorMap, reliabilityDiagramSvg } from "../../src/widgets/index.js";
import { runPython } from "../helpers.js";

function plane(h: number, w: number, f: (y: number, x: number) => number): Plane {
  return { data: Float32Array.from({ length: h * w }, (_, i) => f(Math.floor(i / w), i % w)), height: h, width: w };
}

test("ErrorMap carries an uncertainty overlay on its own grid, with a flag threshold and a label", () => {
  const ref = plane(32, 40, (y, x) => Math.sin(x / 3) + Math.cos(y / 4));
  const restored = plane(64, 80, (y, x) => Math.sin(x / 6) + Math.cos(y / 8) + 0.1 * Math.sin(x * y));
  const unc = plane(64, 80, (y, x) => x + y);
  const em = new ErrorMap(ref, restored, { uncertainty: unc, uncertaintyLabel: "D (bits)", flagPercentile: 80 });
  const flag = em.get("flag_map")!;
  assert.deepEqual([flag.height, flag.width], [32, 40]);
  const expected = blockMean(unc, 2).data;
  const got = new Float32Array(flag.data.buffer.slice(flag.data.byteOffset, flag.data.byteOffset + flag.data.byteLength));
  assert.deepEqual(Array.from(got), Array.from(expected));
  assert.equal(em.get("flag_label"), "D (bits)");
  assert.equal(em.get("flag_percentile"), 80);
  assert.equal(new ErrorMap(ref, restored).get("flag_map"), null);
  assert.throws(() => new ErrorMap(ref, restored, { uncertainty: plane(60, 80, () => 1) }), /must be on the restoration's or the error map's grid/);
});

test("reliability diagram SVG: well-formed, one marker per point at its (nominal, observed) position", () => {
  const svg = reliabilityDiagramSvg(
    [
      { name: "raw <scales>", points: [{ nominal: 0.5, observed: 0.3 }, { nominal: 0.9, observed: 0.8 }] },
      { name: "calibrated", points: [{ nominal: 0.5, observed: 0.5 }, { nominal: 0.9, observed: 0.9 }] },
    ],
    { title: "coverage", sizePx: 300 },
  );
  const py = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
ns = "{http://www.w3.org/2000/svg}"
print(json.dumps([[float(c.get("cx")), float(c.get("cy"))] for c in root.iter(ns + "circle")] + [[t.text for t in root.iter(ns + "text") if t.text and "raw" in t.text]]))`;
  const out = JSON.parse(runPythonInline(py, svg));
  const legend = out.pop();
  assert.deepEqual(legend, ["raw <scales>"]);
  // Plot box: x from 48 to 288 (300 - 12), y from 28 (observed 1) to 260 (observed 0).
  const at = (n: number, o: number) => [48 + n * 240, 28 + (1 - o) * 232];
  const want = [at(0.5, 0.3), at(0.9, 0.8), at(0.5, 0.5), at(0.9, 0.9)];
  out.forEach((p: number[], i: number) => {
    assert.ok(Math.abs(p[0] - want[i][0]) < 0.06 && Math.abs(p[1] - want[i][1]) < 0.06, `${p} vs ${want[i]}`);
  });
});

function runPythonInline(code: string, input: string): string {
  return runPython("uncertainty_ref.py", ["exec", code], input);
}
