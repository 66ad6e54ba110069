// `pssr info` from the built CLI: JSON keys and values against tifffile/numpy, text output,
// and errors as one line with a non-zero exit code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, runPython, sharedDataDir } from "../helpers.js";
import { readNpy } from "./npy.js";

const work = mkdtempSync(join(tmpdir(), "pssr-io-cli-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

const membrane = join(sharedDataDir, "fluo", "timelapse", "membrane_2d_timelapse_5x256x256.tif");
const mm = join(sharedDataDir, "fluo", "timelapse", "micromanager_181003_multi_pos_time_course_1_MMStack.ome.tif");
const bpae = join(sharedDataDir, "fluo", "bpae_mitochondria_float32", "BPAE_mito.tif");

interface Ref {
  file: string;
  npy: string;
  axes: string;
  dtype: string;
  shape: number[];
  pixelSizeNm: number | null;
}

const refs: Ref[] = runPython("tiff_read.py", [work, membrane, mm, bpae])
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));

function expectedStats(ref: Ref) {
  const a = readNpy(ref.npy).data;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
    sum += a[i];
  }
  return { min, max, mean: sum / a.length };
}

test("pssr info --json on one file prints exactly the documented keys, agreeing with tifffile", () => {
  const r = runCli(["info", "--json", mm]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out).sort(), ["axes", "dtype", "frameIntervalS", "max", "mean", "min", "pixelSize", "pixelSizeY", "rowIntervalS", "shape", "zSpacing"]);
  // square pixels, no kymograph rows; the rest null or a number with its unit
  assert.equal(out.pixelSizeY, null);
  assert.equal(out.rowIntervalS, null);
  assert.ok(out.frameIntervalS === null || out.frameIntervalS > 0, String(out.frameIntervalS));
  assert.ok(out.zSpacing === null || (out.zSpacing.value > 0 && typeof out.zSpacing.unit === "string"), JSON.stringify(out.zSpacing));
  const ref = refs[1];
  assert.deepEqual(out.shape, ref.shape);
  assert.equal(out.axes, ref.axes);
  assert.equal(out.dtype, ref.dtype);
  assert.deepEqual(out.pixelSize, { value: 5.2304, unit: "µm" });
  assert.ok(Math.abs(out.pixelSize.value * 1000 - ref.pixelSizeNm!) < 1e-6);
  const s = expectedStats(ref);
  assert.equal(out.min, s.min);
  assert.equal(out.max, s.max);
  assert.ok(Math.abs(out.mean - s.mean) <= 1e-9 * s.mean, `mean ${out.mean} vs ${s.mean}`);
});

test("pssr info --json on several files prints an array with a file key each", () => {
  const r = runCli(["info", membrane, bpae, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(Array.isArray(out) && out.length === 2);
  for (const [i, ref] of [refs[0], refs[2]].entries()) {
    assert.equal(out[i].file, ref.file);
    assert.deepEqual(out[i].shape, ref.shape);
    assert.equal(out[i].axes, ref.axes);
    assert.equal(out[i].dtype, ref.dtype);
    assert.equal(out[i].pixelSize, null, "no calibration in these files: null, not 1");
    const s = expectedStats(ref);
    assert.deepEqual([out[i].min, out[i].max], [s.min, s.max]);
    assert.ok(Math.abs(out[i].mean - s.mean) <= 1e-9 * s.mean);
  }
});

test("pssr info prints a readable summary", () => {
  const r = runCli(["info", mm, bpae]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /shape\s+10 x 256 x 256 \(TYX\)/);
  assert.match(r.stdout, /pixel size 5\.2304 µm\s+\(frame interval 5 s\)/);
  assert.match(r.stdout, /pixel size unknown/);
  assert.match(r.stdout, /dtype\s+float32/);
});

test("pssr info on a missing file or a non-image: one line on stderr, exit code 1", () => {
  for (const [args, pattern] of [
    [["info", join(work, "missing.tif")], /missing\.tif: no such file/],
    [["info", "--json", join(sharedDataDir, "README.md")], /README\.md: not a TIFF, PNG or JPEG file/],
    [["info"], /no file given/],
  ] as const) {
    const r = runCli([...args]);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.match(lines[0], pattern);
    if (args.length > 1) assert.equal(lines.length, 1, `one line, no stack: ${r.stderr}`);
    assert.equal(r.stdout, "");
  }
});
