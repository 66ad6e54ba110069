// BioImage Model Zoo export, judged by the real references: the description against the zoo's
// JSON Schema (python3-jsonschema), the ONNX file by onnx.checker (full check), onnxruntime-node
// reproducing the package's test output, and `pssr predict PACKAGE` (onnxruntime, tiled by the
// halo) equal to `pssr predict MODEL_DIR` (tfjs, whole image).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { unzipSync } from "fflate";
import { parse } from "yaml";
import type { Variable } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { buildModel } from "../../src/model/index.js";
import { writeModelCard } from "../../src/model/card.js";
import { readImage } from "../../src/io/read.js";
import { writeTiff } from "../../src/io/write.js";
import { getPlane, lengthToNm, planeCount } from "../../src/image/image.js";
import { decodeNpy } from "../../src/export/npy.js";
import { repoRoot, runCli, runPython } from "../helpers.js";

const ort = createRequire(import.meta.url)("onnxruntime-node") as typeof import("onnxruntime-node");
const { tf } = await selectBackend({ name: "wasm" });
const schema = join(repoRoot, "..", "shared", "reference", "bioimageio_schema_latest.json");

interface Case {
  arch: "resunet" | "resunet-lr" | "care";
  scale: number;
  frames: number;
  probabilistic: boolean;
}

const CASES: Case[] = [
  { arch: "resunet-lr", scale: 4, frames: 1, probabilistic: false },
  { arch: "resunet", scale: 4, frames: 1, probabilistic: false },
  { arch: "care", scale: 1, frames: 1, probabilistic: true },
  { arch: "resunet-lr", scale: 1, frames: 5, probabilistic: false },
];

/** A tiny model with every weight random (the zero-initialised heads too), saved with a card. */
async function makeModelDir(dir: string, c: Case): Promise<void> {
  const model = buildModel({ preset: "tiny", arch: c.arch, scale: c.scale, inChannels: c.frames, probabilistic: c.probabilistic }, 3);
  let seed = 1;
  // Kernels with variance 1/fan-in keep activations of order 1 through every depth.
  for (const v of Object.values(model.namedWeights())) {
    const std = v.shape.length === 4 ? 1 / Math.sqrt(v.shape[0] * v.shape[1] * v.shape[2]) : 0.05;
    (v as Variable).assign(tf.randomNormal(v.shape, 0, std, "float32", seed++));
  }
  await model.save(dir);
  writeModelCard(dir, {
    architecture: c.arch,
    preset: "tiny",
    spec: model.spec,
    scale: c.scale,
    frames: c.frames,
    recipe: "pssr-em",
    seed: 4,
    hrPixelSizeNm: 20 / c.scale, // the test images are 20 nm: the LR grid the card expects
    data: { hr: ["data-samples/em/emdiffuse_demo/mouse_liver_0.tif (provenance: data-samples/README.md)"] },
  });
  model.dispose();
}

/** A crop of a real image (frames planes), written as float32 TIFF. */
async function cropTiff(src: string, out: string, frames: number, h: number, w: number): Promise<void> {
  const img = await readImage(src);
  const data = new Float32Array(frames * h * w);
  for (let f = 0; f < frames; f++) {
    const p = getPlane(img, Math.min(f, planeCount(img) - 1));
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(f * h + y) * w + x] = p.data[(y + 20) * p.width + x + 30];
  }
  await writeTiff(out, { data, shape: frames > 1 ? [frames, h, w] : [h, w], axes: frames > 1 ? "TYX" : "YX", pixelSize: { value: 20, unit: "nm" }, dtype: "float32" }, { dtype: "float32" });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function percentile(values: Float32Array, q: number): number {
  const s = Float64Array.from(values).sort();
  const pos = ((s.length - 1) * q) / 100;
  const i = Math.floor(pos);
  return i + 1 < s.length ? s[i] + (s[i + 1] - s[i]) * (pos - i) : s[i];
}

for (const c of CASES) {
  const label = `${c.arch} x${c.scale}, ${c.frames} frame(s)${c.probabilistic ? ", Laplace" : ""}`;
  test(`export ${label}: schema-valid, ONNX checked, onnxruntime reproduces the test output, predict PACKAGE = predict MODEL_DIR`, async () => {
    const tmp = mkdtempSync(join(tmpdir(), "pssr-export-"));
    try {
      const dir = join(tmp, "model");
      await makeModelDir(dir, c);
      const zip = join(tmp, "model.zip");
      const r = runCli(["export", dir, "-o", zip, "--format", "bioimageio", "--author", "A. Tester;Lab", "--name", `test ${c.arch}`]);
      assert.equal(r.status, 0, r.stderr);
      // The real judges: JSON Schema of the zoo, onnx.checker, sha256 of every file.
      const judged = JSON.parse(runPython("bioimageio_check.py", [zip, schema]));
      assert.deepEqual(judged.errors, [], "schema / sha256 errors");
      assert.equal(judged.onnx_ok, true);
      assert.equal(judged.opset, 17);
      assert.equal(judged.opset_declared, 17);
      const side = judged.tensors.input.shape[2];
      assert.deepEqual(judged.tensors.input, { shape: [1, c.frames, side, side], dtype: "float32", finite: true });
      assert.deepEqual(judged.tensors.output, { shape: [1, c.probabilistic ? 2 : 1, side * c.scale, side * c.scale], dtype: "float32", finite: true });
      const files = unzipSync(new Uint8Array(readFileSync(zip)));
      const rdf = parse(new TextDecoder().decode(files["rdf.yaml"]));
      // Typed axes: the output's spatial scale is the input's divided by the factor.
      const inY = rdf.inputs[0].axes[2];
      const outY = rdf.outputs[0].axes[2];
      assert.equal(inY.unit, "micrometer");
      assert.ok(Math.abs(inY.scale - 20 / 1000) < 1e-12, `input scale ${inY.scale} µm = the card's 20 nm LR pixels`);
      assert.ok(Math.abs(outY.scale - inY.scale / c.scale) < 1e-12);
      assert.equal(rdf.inputs[0].axes[1].channel_names.length, c.frames);
      assert.equal(rdf.outputs[0].axes[1].channel_names.length, c.probabilistic ? 2 : 1);
      assert.equal(rdf.config.pssr_lab.card.architecture, c.arch);
      assert.match(rdf.cite[0].doi, /^10\.1038\/s41592-021-01080-z$/);
      assert.ok(rdf.cite.some((e: { text: string }) => /mouse_liver.*MIT/.test(e.text)), "the training data's attribution comes from data-samples/README.md");
      // onnxruntime-node on the test input, normalised as the description says (scale_range).
      const input = decodeNpy(files["test_input.npy"]);
      const expected = decodeNpy(files["test_output.npy"]);
      const pre = rdf.inputs[0].preprocessing.find((p: { id: string }) => p.id === "scale_range").kwargs;
      const lo = percentile(input.data, pre.min_percentile);
      const hi = percentile(input.data, pre.max_percentile);
      const x = input.data.map((v) => (v - lo) / (hi - lo + pre.eps));
      const session = await ort.InferenceSession.create(files["weights.onnx"], { intraOpNumThreads: 1 });
      const out = await session.run({ input: new ort.Tensor("float32", x, input.shape) });
      assert.deepEqual(out.output.dims, expected.shape);
      const err = maxAbsDiff(out.output.data as Float32Array, expected.data);
      console.log(`${label}: onnxruntime vs tfjs test output ${err.toExponential(2)} (max |value| ${Math.max(...expected.data.map(Math.abs)).toFixed(3)})`);
      const scaleOfValues = Math.max(...expected.data.map(Math.abs));
      assert.ok(scaleOfValues > 0.2, `a non-trivial output (max |value| ${scaleOfValues})`);
      assert.ok(err < 1e-4, `${label}: onnxruntime vs tfjs test output: ${err}`);
      await session.release();
      // Whole image: tfjs (one tile) against the package on onnxruntime (tiles overlapping by the halo).
      const frames = c.frames;
      const img = join(tmp, "lr.tif");
      await cropTiff(join(repoRoot, frames > 1 ? "data-samples/fluo/membrane_2d_timelapse_5x256x256.tif" : "data-samples/em/emdiffuse_demo/mouse_liver_1.tif"), img, frames, 150, 134);
      const a = join(tmp, "a.tif");
      const b = join(tmp, "b.tif");
      const ra = runCli(["predict", dir, img, "-o", a, "--tile", "1024", ...(c.probabilistic ? ["--scale-map", join(tmp, "as.tif")] : [])]);
      assert.equal(ra.status, 0, ra.stderr);
      const rb = runCli(["predict", zip, img, "-o", b, "--tile", "96", ...(c.probabilistic ? ["--scale-map", join(tmp, "bs.tif")] : [])]);
      assert.equal(rb.status, 0, rb.stderr);
      assert.match(rb.stdout, /onnxruntime-node/);
      const A = await readImage(a);
      const B = await readImage(b);
      assert.deepEqual(B.shape, A.shape);
      assert.ok(B.pixelSize && Math.abs(lengthToNm(B.pixelSize) - 20 / c.scale) < 1e-6, `output pixel size ${JSON.stringify(B.pixelSize)} = input's / scale`);
      const raw = await readImage(img);
      const rawData = Float32Array.from(raw.data as ArrayLike<number>);
      const range = percentile(rawData, 99.8) - percentile(rawData, 2);
      // 5-frame models: only the middle frame sees the same 5 planes (and percentiles) both ways.
      const plane = frames > 1 ? 2 : 0;
      const d = maxAbsDiff(getPlane(A, plane).data, getPlane(B, plane).data) / range;
      console.log(`${label}: predict PACKAGE vs MODEL_DIR ${d.toExponential(2)} of the input range`);
      assert.ok(d < 1e-4, `${label}: predict PACKAGE vs predict MODEL_DIR, max |diff| / (p99.8 - p2) = ${d}`);
      if (c.probabilistic) {
        const ds = maxAbsDiff((await readImage(join(tmp, "as.tif"))).data as Float32Array, (await readImage(join(tmp, "bs.tif"))).data as Float32Array) / range;
        assert.ok(ds < 1e-4, `Laplace scale maps differ by ${ds}`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test("a package made by another tool (python3-onnx helper, its own rdf.yaml) runs with its pre/postprocessing, tiled and whole", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "pssr-extpkg-"));
  try {
    const pkg = join(tmp, "pkg");
    runPython("onnx_external_package.py", [pkg]);
    const expected = decodeNpy(new Uint8Array(readFileSync(join(pkg, "expected.npy"))));
    for (const tile of ["24", "256"]) {
      const out = join(tmp, `out${tile}.tif`);
      const r = runCli(["predict", pkg, join(pkg, "input.tif"), "-o", out, "--tile", tile]);
      assert.equal(r.status, 0, r.stderr);
      const got = await readImage(out);
      assert.deepEqual(got.shape, expected.shape);
      const err = maxAbsDiff(got.data as Float32Array, expected.data);
      assert.ok(err < 1e-4, `tile ${tile}: max |onnxruntime - numpy/scipy| = ${err}`);
    }
    // An unknown processing step is refused with one line naming it.
    const rdf = readFileSync(join(pkg, "rdf.yaml"), "utf8").replace("id: zero_mean_unit_variance", "id: magic_normalisation");
    writeFileSync(join(pkg, "rdf.yaml"), rdf);
    const bad = runCli(["predict", pkg, join(pkg, "input.tif"), "-o", join(tmp, "bad.tif")]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr.trim().split("\n").filter((l) => !/already registered/.test(l)).join("\n"), /^pssr predict: .*processing step "magic_normalisation" is not supported[^\n]*$/);
    assert.ok(!existsSync(join(tmp, "bad.tif")), "nothing written");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("export refuses bad input with one line and never writes onto the model", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "pssr-export-bad-"));
  try {
    const dir = join(tmp, "model");
    await makeModelDir(dir, CASES[0]);
    const before = readFileSync(join(dir, "model.json"));
    const onto = runCli(["export", dir, "-o", join(dir, "model.json")]);
    assert.equal(onto.status, 1);
    assert.match(onto.stderr, /refusing to write inside the input .*model \(-o\)/);
    assert.deepEqual(readFileSync(join(dir, "model.json")), before);
    const lr = join(tmp, "lr.tif");
    await cropTiff(join(repoRoot, "data-samples/em/emdiffuse_demo/mouse_liver_1.tif"), lr, 1, 64, 64);
    const lrBytes = readFileSync(lr);
    const ontoImage = runCli(["export", dir, "-o", lr, "--test-image", lr]);
    assert.equal(ontoImage.status, 1);
    assert.match(ontoImage.stderr, /refusing to write over the input .*lr\.tif \(-o names the same file\)/);
    assert.deepEqual(readFileSync(lr), lrBytes);
    const ontoIn = runCli(["predict", dir, lr, "-o", lr, "--engine", "onnx"]);
    assert.equal(ontoIn.status, 1);
    assert.match(ontoIn.stderr, /refusing to write over the input .*lr\.tif \(-o names the same file\)/);
    assert.deepEqual(readFileSync(lr), lrBytes);
    rmSync(lr);
    const fmt = runCli(["export", dir, "-o", join(tmp, "x.zip"), "--format", "onnx-only"]);
    assert.equal(fmt.status, 1);
    assert.match(fmt.stderr, /unknown --format "onnx-only"; valid: bioimageio/);
    const name = runCli(["export", "pssr-em-mito", "-o", join(tmp, "x.zip")]);
    assert.equal(name.status, 1);
    assert.match(name.stderr, /unknown model "pssr-em-mito" \(neither a folder nor a named model\);.*pssr models lists them/);
    assert.equal(name.stderr.trim().split("\n").length, 1, name.stderr);
    const missing = runCli(["export", dir, "-o", join(tmp, "no", "such", "dir", "x.zip")]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot write: the folder .* does not exist/);
    assert.deepEqual(readdirSync(tmp).sort(), ["model"], "no partial files");
    // No card and no test image: one line asking for --test-image.
    mkdirSync(join(tmp, "bare"));
    for (const f of ["model.json", "weights.bin"]) writeFileSync(join(tmp, "bare", f), readFileSync(join(dir, f)));
    const bare = runCli(["export", join(tmp, "bare"), "-o", join(tmp, "bare.zip")]);
    assert.equal(bare.status, 1);
    assert.match(bare.stderr, /give one with --test-image/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("predict MODEL_DIR --engine onnx equals the tfjs path on stacks and time-lapses (whole-image normalisation)", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "pssr-engine-"));
  try {
    for (const c of [CASES[0], CASES[3]]) {
      const dir = join(tmp, `model-${c.frames}`);
      await makeModelDir(dir, c);
      const img = join(tmp, `in-${c.frames}.tif`);
      // A 5-plane stack: every plane (not only the middle one) must agree, reflected frame windows included.
      await cropTiff(join(repoRoot, "data-samples/fluo/membrane_2d_timelapse_5x256x256.tif"), img, 5, 70, 90);
      const a = join(tmp, `a${c.frames}.tif`);
      const b = join(tmp, `b${c.frames}.tif`);
      const ra = runCli(["predict", dir, img, "-o", a]);
      assert.equal(ra.status, 0, ra.stderr);
      const rb = runCli(["predict", dir, img, "-o", b, "--engine", "onnx", "--tile", "96"]);
      assert.equal(rb.status, 0, rb.stderr);
      const A = await readImage(a);
      const B = await readImage(b);
      assert.deepEqual(B.shape, A.shape);
      const raw = Float32Array.from((await readImage(img)).data as ArrayLike<number>);
      const d = maxAbsDiff(A.data as Float32Array, B.data as Float32Array) / (percentile(raw, 99.8) - percentile(raw, 2));
      console.log(`--engine onnx vs tfjs, ${c.arch} x${c.scale} ${c.frames} frame(s) on 5 planes: ${d.toExponential(2)} of the input range`);
      assert.ok(d < 1e-4, `--engine onnx differs by ${d}`);
    }
    const bad = runCli(["predict", join(tmp, "model-1"), join(tmp, "in-1.tif"), "-o", join(tmp, "x.tif"), "--engine", "tensorrt"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown --engine "tensorrt"; valid: tfjs, onnx/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
