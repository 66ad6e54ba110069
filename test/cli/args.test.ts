// Argument handling of the built CLI: every argument error is one line naming the option and
// the rule plus "see `pssr CMD --help`"; negative numbers are values; -o/--output everywhere a
// file is written (--out an alias); nonsense values and output extensions are refused. The
// files written are read back with tifffile / Pillow.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { python, runCli, runPython, samplesDir } from "../helpers.js";
import { spawnSync } from "node:child_process";

const dir = mkdtempSync(join(tmpdir(), "pssr-args-"));
const em = join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_0.tif");
const em1 = join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif");
const emDir = join(samplesDir, "em", "emdiffuse_demo");

function oneLineError(args: string[], re: RegExp): void {
  const r = runCli(args);
  assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${args.join(" ")}: one line, got:\n${r.stderr}`);
  assert.match(lines[0], re, args.join(" "));
  assert.doesNotMatch(r.stderr, /usage:|ambiguous|'/, "no usage dump, no node parser text");
}

test("negative numbers are values: the range rule answers, not 'ambiguous'", () => {
  const cmd = "see `pssr train --help`";
  oneLineError(["train", "--hr", emDir, "--out", join(dir, "m"), "--epochs", "-1"], /^pssr train: --epochs must be an integer >= 1, got -1; see `pssr train --help`$/);
  assert.ok(cmd);
  oneLineError(["crappify", em, "-o", join(dir, "x.tif"), "--recipe", "pssr-em", "--seed", "-3"], /--seed must be an integer in 0\.\.\d+, got -3; see `pssr crappify --help`$/);
  oneLineError(["crappify", em, "-o", join(dir, "x.tif"), "--recipe", "pssr-em", "--scale", "-2"], /scale factor must be a number >= 1, got -2; see `pssr crappify --help`$/);
  oneLineError(["predict", "--baseline", "bilinear", "--scale", "-4", em, "-o", join(dir, "x.tif")], /--scale must be an integer in 1\.\.16, got -4/);
  oneLineError(["frc", em, em1, "--pixel-size", "-.5"], /--pixel-size must be > 0 nm, got -0\.5/);
  assert.ok(!existsSync(join(dir, "x.tif")));
});

test("unknown options, missing values and switches given values: one line naming the option", () => {
  oneLineError(["crappify", em, "-o", join(dir, "x.tif"), "--recipe", "pssr-em", "--foo"], /^pssr crappify: unknown option --foo; see `pssr crappify --help`$/);
  oneLineError(["crappify", em, "-o", join(dir, "x.tif"), "--recipee", "pssr-em"], /unknown option --recipee \(did you mean --recipe\?\)/);
  oneLineError(["evaluate", em, em1, "-x"], /unknown option -x; see `pssr evaluate --help`/);
  oneLineError(["crappify", em, "--recipe", "pssr-em", "-o"], /--output needs a value; see/);
  oneLineError(["crappify", em, "-o", "-y", "--recipe", "pssr-em"], /--output needs a value; to give one that starts with "-", write --output=VALUE/);
  oneLineError(["info", em, "--json=yes"], /--json is a switch and takes no value/);
  oneLineError(["kymograph", em, "-o", join(dir, "k.tif")], /--line is required; see `pssr kymograph --help`/);
  oneLineError(["errormap", em], /give exactly REF and SR; see `pssr errormap --help`/);
  oneLineError(["crappify", em, "-o", join(dir, "a.tif"), "--out", join(dir, "b.tif"), "--recipe", "pssr-em"], /-o\/--output and --out are the same option; give it once/);
});

test("nonsense values are refused with the reason before any work", () => {
  oneLineError(["train", "--hr", emDir, "--out", join(dir, "m"), "--learning-rate", "0"], /--learning-rate must be > 0, got 0/);
  oneLineError(["train", "--hr", emDir, "--out", join(dir, "m"), "--learning-rate", "-1e-3"], /--learning-rate must be > 0, got -1e-3/);
  oneLineError(["predict", "--baseline", "bilinear", "--scale", "2", em, "-o", join(dir, "x.tif"), "--tile", "64", "--overlap", "64"], /--overlap must be smaller than --tile \(got overlap 64 px, tile 64 px\)/);
  oneLineError(["crappify", em, "-o", join(dir, "x.jpg"), "--recipe", "pssr-em"], /-o .*x\.jpg: this command writes TIFF \(\.tif, \.tiff\) or an 8-bit PNG preview \(\.png\), not "\.jpg"/);
  oneLineError(["errormap", em, em1, "-o", join(dir, "map")], /not a file without extension/);
  assert.ok(!existsSync(join(dir, "m")), "no model folder made");
  assert.ok(!existsSync(join(dir, "x.jpg")) && !existsSync(join(dir, "map")));
});

test("-o/--output and --out name the output of every command that writes a file", () => {
  const viaOut = join(dir, "via-out.tif");
  const r1 = runCli(["crappify", em, "--out", viaOut, "--recipe", "pssr-em", "--seed", "4"]);
  assert.equal(r1.status, 0, r1.stderr);
  const viaO = join(dir, "via-o.tif");
  const r2 = runCli(["crappify", em, "--output", viaO, "--recipe", "pssr-em", "--seed", "4"]);
  assert.equal(r2.status, 0, r2.stderr);
  const a = JSON.parse(runPython("crappify_tiff.py", ["read", viaOut])) as { sha: string; shape: number[] };
  const b = JSON.parse(runPython("crappify_tiff.py", ["read", viaO])) as { sha: string };
  assert.deepEqual(a.shape, [64, 64]);
  assert.equal(a.sha, b.sha);
  for (const [args, out] of [
    [["predict", "--baseline", "bilinear", "--scale", "2", em, "--out"], join(dir, "p.tif")],
    [["errormap", em, em1, "--out"], join(dir, "e.tif")],
  ] as [string[], string][]) {
    const r = runCli([...args, out]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(out), out);
  }
});

test("-o x.png writes a real PNG (8-bit preview of a 2D result, Pillow reads it); a stack to .png is refused", () => {
  const png = join(dir, "lr.png");
  const r = runCli(["crappify", em, "-o", png, "--recipe", "pssr-em", "--seed", "1"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /8-bit auto-contrast preview/);
  const py = spawnSync(python, ["-c", "import sys; from PIL import Image; im = Image.open(sys.argv[1]); print(im.format, im.mode, im.size[0], im.size[1])", png], { encoding: "utf8" });
  assert.equal(py.stdout.trim(), "PNG L 64 64", py.stderr);
  const stackPng = join(dir, "stack.png");
  const s = runCli(["crappify", join(samplesDir, "fluo", "membrane_2d_timelapse_5x256x256.tif"), "-o", stackPng, "--recipe", "pssr-fluo", "--seed", "1"]);
  assert.equal(s.status, 1, s.stderr);
  // refused on reading the input, before crappifying a plane (no progress line, no result)
  assert.match(s.stderr, /a PNG holds one 2D plane but the input has 5/);
  assert.doesNotMatch(s.stderr, /crappifying planes/);
  assert.ok(!existsSync(stackPng));
  const b = runCli(["predict", "--baseline", "bilinear", "--scale", "2", join(samplesDir, "fluo", "membrane_2d_timelapse_5x256x256.tif"), "-o", stackPng]);
  assert.equal(b.status, 1, b.stderr);
  assert.match(b.stderr, /a PNG holds one 2D plane but the input has 5/);
  assert.ok(!existsSync(stackPng));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
