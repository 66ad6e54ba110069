// The zoo's pre/postprocessing steps that `pssr predict PACKAGE` applies, against numpy
// computing each from the spec's definition (test/ref/bioimageio_ops.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { applyStep, type ProcessingStep } from "../../src/export/package.js";
import { runPython } from "../helpers.js";

const C = 3;
const H = 9;
const W = 7;

function field(seed: number): Float32Array {
  const d = new Float32Array(C * H * W);
  for (let i = 0; i < d.length; i++) d[i] = 50 * Math.sin(i * 0.37 + seed) + 20 * Math.cos(i * 0.11 * seed) + (i % 17);
  return d;
}

const STEPS: ProcessingStep[] = [
  { id: "scale_range", kwargs: { axes: ["channel", "y", "x"], min_percentile: 2, max_percentile: 99.8, eps: 1e-6 } },
  { id: "scale_range", kwargs: { axes: ["y", "x"], min_percentile: 5, max_percentile: 95 } },
  { id: "scale_range", kwargs: { axes: ["y", "x"], min_percentile: 1, max_percentile: 99, reference_tensor: "raw" } },
  { id: "zero_mean_unit_variance", kwargs: { axes: ["y", "x"] } },
  { id: "zero_mean_unit_variance", kwargs: {} },
  { id: "fixed_zero_mean_unit_variance", kwargs: { mean: [1, 2, 3], std: [4, 5, 6], axis: "channel" } },
  { id: "scale_linear", kwargs: { gain: 2.5, offset: -1 } },
  { id: "scale_linear", kwargs: { gain: [1, 2, 3], offset: [0, 1, 2], axis: "channel" } },
  { id: "scale_mean_variance", kwargs: { reference_tensor: "raw", axes: ["y", "x"] } },
  { id: "clip", kwargs: { min: -10, max: 30 } },
  { id: "clip", kwargs: { min_percentile: 10, max_percentile: 90, axes: ["y", "x"] } },
  { id: "binarize", kwargs: { threshold: 12 } },
  { id: "sigmoid" },
  { id: "ensure_dtype", kwargs: { dtype: "uint8" } },
];

test("processing steps equal numpy's reading of the spec (scale_range, zero_mean_unit_variance, scale_linear, clip, binarize, sigmoid ...)", () => {
  const data = field(1);
  const reference = field(2);
  const expected = JSON.parse(runPython("bioimageio_ops.py", [], JSON.stringify({ data: [...data], reference: [...reference], shape: [C, H, W], steps: STEPS }))) as number[][];
  const planes = (d: Float32Array) => Array.from({ length: C }, (_, c) => d.slice(c * H * W, (c + 1) * H * W));
  for (const [i, step] of STEPS.entries()) {
    const s = { data: planes(data), height: H, width: W };
    applyStep(s, step, { data: planes(reference), height: H, width: W });
    const got = s.data.flatMap((p) => [...p]);
    let err = 0;
    let scale = 0;
    for (let j = 0; j < got.length; j++) {
      err = Math.max(err, Math.abs(got[j] - expected[i][j]));
      scale = Math.max(scale, Math.abs(expected[i][j]));
    }
    assert.ok(err <= 1e-5 * Math.max(1, scale), `${step.id} ${JSON.stringify(step.kwargs ?? {})}: max |ours - numpy| = ${err}`);
  }
});

test("an unknown step or unsupported kwargs are refused with one line", () => {
  const s = { data: [new Float32Array(4)], height: 2, width: 2 };
  assert.throws(() => applyStep(s, { id: "histogram_equalize" }, null), /processing step "histogram_equalize" is not supported/);
  assert.throws(() => applyStep(s, { id: "scale_range", kwargs: { axes: ["x"] } }, null), /without both y and x are not supported/);
  assert.throws(() => applyStep(s, { id: "ensure_dtype", kwargs: { dtype: "complex64" } }, null), /dtype complex64 is not supported/);
});

test("packages we cannot run are refused with one line naming the reason", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { openModelPackage } = await import("../../src/export/package.js");
  const dir = mkdtempSync(join(tmpdir(), "pssr-badpkg-"));
  try {
    const axes = (extra = "") => `axes: [{type: batch}, {type: channel, channel_names: [c]}, ${extra}{type: space, id: y, size: {min: 16, step: 8}}, {type: space, id: x, size: {min: 16, step: 8}}]`;
    const cases: [string, RegExp][] = [
      ["format_version: 0.4.10\ntype: model\ninputs: []\noutputs: []\nweights: {}\n", /only model descriptions of format 0\.5\.x are supported, this is type model format 0\.4\.10/],
      [`format_version: 0.5.7\ntype: model\ninputs: [{id: a, ${axes()}}]\noutputs: [{id: b, ${axes()}}]\nweights: {torchscript: {source: w.pt}}\n`, /the package has no ONNX weights \(it has: torchscript\)/],
      [`format_version: 0.5.7\ntype: model\ninputs: [{id: a, ${axes("{type: space, id: z, size: 8}, ")}}]\noutputs: [{id: b, ${axes()}}]\nweights: {onnx: {source: w.onnx, opset_version: 17}}\n`, /input axes batch,channel,z,y,x: only batch, channel, y and x are supported/],
    ];
    for (const [yaml, re] of cases) {
      writeFileSync(join(dir, "rdf.yaml"), yaml);
      writeFileSync(join(dir, "w.onnx"), "");
      assert.throws(() => openModelPackage(dir), (e: Error) => re.test(e.message) && !e.message.includes("\n"));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
