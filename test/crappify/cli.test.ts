// `pssr crappify` and `pssr calibrate` end to end on the sample data (built CLI in dist/);
// outputs are read back with tifffile (test/ref/crappify_tiff.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, runPython, samplesDir } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pssr-crappify-cli-"));
const timelapse = join(samplesDir, "fluo", "membrane_2d_timelapse_5x256x256.tif");
const em = join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_0.tif");
const sem = join(samplesDir, "em", "emdiffuse_noisy_sem", "patch_0_1.tif");

interface TiffInfo {
  shape: number[];
  dtype: string;
  meta: { crappify?: { recipe: string; seed: number; scaleFactor: number; drawn: Record<string, unknown>; rngState: { words: number[] } } } | null;
  frame_sums: number[];
  sha: string;
}
const readTiff = (p: string): TiffInfo => JSON.parse(runPython("crappify_tiff.py", ["read", p])) as TiffInfo;

test("crappify a time-lapse: LR per frame with its own noise, record in the metadata and on stdout", () => {
  const out = join(dir, "tl_lr.tif");
  const r = runCli(["crappify", timelapse, "-o", out, "--recipe", "pssr-fluo", "--seed", "7", "--set", "localvarScale=0.2:0.4", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const rec = JSON.parse(r.stdout) as { recipe: string; seed: number; drawn: { localvarScale: number }; shape: number[] };
  assert.equal(rec.recipe, "pssr-fluo");
  assert.equal(rec.seed, 7);
  assert.ok(rec.drawn.localvarScale >= 0.2 && rec.drawn.localvarScale <= 0.4);
  const t = readTiff(out);
  assert.deepEqual(t.shape, [5, 64, 64]);
  assert.equal(t.dtype, "uint16");
  assert.equal(t.meta?.crappify?.recipe, "pssr-fluo");
  assert.equal(t.meta?.crappify?.seed, 7);
  assert.equal(t.meta?.crappify?.drawn.localvarScale, rec.drawn.localvarScale);
  assert.equal(t.meta?.crappify?.rngState.words.length, 4);
  assert.equal(new Set(t.frame_sums).size, 5);
  // Same seed, same file contents.
  const again = join(dir, "tl_lr2.tif");
  assert.equal(runCli(["crappify", timelapse, "-o", again, "--recipe", "pssr-fluo", "--seed", "7", "--set", "localvarScale=0.2:0.4"]).status, 0);
  assert.equal(readTiff(again).sha, t.sha);
});

test("crappify EM with pssr-em writes the LR and the x4 upsampled copy", () => {
  const out = join(dir, "em_lr.tif");
  const up = join(dir, "em_up.tif");
  const r = runCli(["crappify", em, "-o", out, "--recipe", "pssr-em", "--seed", "1", "--upsampled", up]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readTiff(out).shape, [64, 64]);
  assert.deepEqual(readTiff(up).shape, [256, 256]);
  assert.equal(readTiff(out).dtype, "float32");
});

test("crappify --list prints every recipe with parameters, defaults and ranges", () => {
  const r = runCli(["crappify", "--list"]);
  assert.equal(r.status, 0, r.stderr);
  for (const n of ["pssr-fluo", "pssr-em", "pssr-2019", "pssr2", "care-axial", "care-denoise", "physical"]) assert.ok(r.stdout.includes(n), n);
  assert.match(r.stdout, /saltAmount\s+default 0.005\s+\[0, 1\]/);
  const j = runCli(["crappify", "--list", "--json"]);
  assert.equal((JSON.parse(j.stdout) as unknown[]).length, 7);
});

test("crappify errors: one clear line, exit 1, nothing written", () => {
  const nan = join(dir, "nan.tif");
  const tiny = join(dir, "tiny.tif");
  runPython("crappify_tiff.py", ["make", nan, "nan"]);
  runPython("crappify_tiff.py", ["make", tiny, "tiny"]);
  const cases: [string[], RegExp][] = [
    [["--recipe", "pssr-foo"], /unknown recipe "pssr-foo"; valid: pssr-fluo, pssr-em/],
    [["--recipe", "pssr-em", "--set", "sigma=3"], /unknown parameter of recipe pssr-em "sigma"; valid: localvarScale/],
    [["--recipe", "pssr-fluo", "--set", "saltAmount=2"], /saltAmount=2 is out of range \[0, 1\]/],
    [["--recipe", "pssr-fluo", "--scale", "abc"], /--scale must be a number/],
  ];
  for (const [extra, re] of cases) {
    const out = join(dir, "never.tif");
    const r = runCli(["crappify", em, "-o", out, ...extra]);
    assert.equal(r.status, 1, `${extra.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.ok(!existsSync(out), "nothing written");
  }
  for (const [input, re] of [
    [nan, /non-finite pixel/],
    [tiny, /smaller than the scale factor 4/],
    [join(dir, "missing.tif"), /missing\.tif/],
  ] as const) {
    const out = join(dir, "never.tif");
    const r = runCli(["crappify", input, "-o", out, "--recipe", "pssr-fluo"]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.ok(!existsSync(out));
  }
});

test("calibrate --json on a real noisy SEM patch prints the fitted physical recipe, residual and both curves", () => {
  const r = runCli(["calibrate", sem, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    recipe: { name: string; params: Record<string, number | boolean> };
    residual: number;
    fit: { gain: number; inverted: boolean };
    realCurve: { mean: number; variance: number }[];
    syntheticCurve: unknown[];
    curveMismatch: number;
  };
  assert.equal(j.recipe.name, "physical");
  assert.ok(j.residual > 0 && j.residual < 0.15);
  assert.ok(j.fit.gain > 0);
  assert.ok(j.realCurve.length >= 8 && j.syntheticCurve.length === j.realCurve.length);
  assert.ok(j.curveMismatch <= 0.15);
  // The fitted recipe runs through crappify as printed.
  const sets = Object.entries(j.recipe.params).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
  const out = join(dir, "from_calib.tif");
  const c = runCli(["crappify", em, "-o", out, "--recipe", "physical", "--seed", "2", ...sets]);
  assert.equal(c.status, 0, c.stderr);
  assert.deepEqual(readTiff(out).shape, [64, 64]);
});
