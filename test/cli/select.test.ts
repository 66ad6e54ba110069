// Picking a time point / channel / Z plane of stacks and hyperstacks (--time, --channel,
// --plane, --select) in frc, errormap, evaluate, calibrate and kymograph, judged against the
// same plane cut out by tifffile; and the warnings where a result is suspect (FRC of a file
// with itself, binomial FRC of non-counts, calibrate's curve missing by > 25 %).
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, runPython, samplesDir } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pssr-select-"));
const p = (name: string) => join(dir, name);
runPython("cli_files.py", ["hyperstack", p("hs.tif")]);
runPython("cli_files.py", ["plane", p("hs.tif"), "1", "2", "1", p("hs_t1z2c1.tif")]);
runPython("cli_files.py", ["plane", p("hs.tif"), "2", "0", "0", p("hs_t2z0c0.tif")]);
runPython("cli_files.py", ["tcyx", p("tcyx.tif")]);
runPython("cli_files.py", ["channel", p("tcyx.tif"), "1", p("tcyx_c1.tif")]);

const json = (args: string[]): Record<string, unknown> => {
  const r = runCli(args);
  assert.equal(r.status, 0, `${args.join(" ")}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};
const errLine = (args: string[]): string => {
  const r = runCli(args);
  assert.equal(r.status, 1, `${args.join(" ")}\n${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split("\n").filter((l) => !/already registered/.test(l));
  assert.equal(lines.length, 1, r.stderr);
  return lines[0];
};

test("frc: --select t=,z=,c= and --time/--plane/--channel pick the plane tifffile cuts out", () => {
  const ref = json(["frc", p("hs_t1z2c1.tif"), "--single", "checkerboard", "--json"]);
  const viaSelect = json(["frc", p("hs.tif"), "--single", "checkerboard", "--select", "t=1,z=2,c=1", "--json"]);
  const viaOptions = json(["frc", p("hs.tif"), "--single", "checkerboard", "--time", "1", "--plane", "2", "--channel", "1", "--json"]);
  assert.deepEqual(viaSelect.curve, ref.curve);
  assert.equal(viaSelect.resolution_px, ref.resolution_px);
  assert.deepEqual(viaOptions.curve, ref.curve);
  // Two images: the same selection applies to both.
  const two = json(["frc", p("hs.tif"), p("hs.tif"), "--select", "t=1,z=2,c=1", "--json"]);
  const twoRef = json(["frc", p("hs_t1z2c1.tif"), p("hs_t1z2c1.tif"), "--json"]);
  assert.deepEqual(two.curve, twoRef.curve);
});

test("errormap and evaluate select planes of each file that has the axes", () => {
  const a = json(["errormap", p("hs.tif"), p("hs.tif"), "-o", p("m1.tif"), "--select", "t=1,z=2,c=1", "--json"]);
  const b = json(["errormap", p("hs_t1z2c1.tif"), p("hs_t2z0c0.tif"), "-o", p("m2.tif"), "--json"]);
  const c = json(["errormap", p("hs.tif"), p("hs_t2z0c0.tif"), "-o", p("m3.tif"), "--select", "t=1,z=2,c=1", "--json"]);
  assert.equal(c.rse, b.rse, "the 2D file is left as it is, the hyperstack is cut");
  assert.ok((a.rse as number) < 1e-3, "a plane against itself");
  const e = json(["evaluate", p("hs.tif"), p("hs_t1z2c1.tif"), "--time", "2", "--plane", "0", "--channel", "0", "--json"]);
  const eRef = json(["evaluate", p("hs_t2z0c0.tif"), p("hs_t1z2c1.tif"), "--json"]);
  assert.equal(e.psnr, eRef.psnr);
  assert.equal(e.ssim, eRef.ssim);
});

test("kymograph: --channel of a TCYX hyperstack gives the kymograph of tifffile's channel", () => {
  const k1 = json(["kymograph", p("tcyx.tif"), "--line", "5,5,60,40", "--channel", "1", "-o", p("k1.tif"), "--json"]);
  const k2 = json(["kymograph", p("tcyx_c1.tif"), "--line", "5,5,60,40", "-o", p("k2.tif"), "--json"]);
  assert.equal(k1.frames, 6);
  const t1 = JSON.parse(runPython("crappify_tiff.py", ["read", p("k1.tif")])) as { sha: string; shape: number[] };
  const t2 = JSON.parse(runPython("crappify_tiff.py", ["read", p("k2.tif")])) as { sha: string };
  assert.deepEqual(t1.shape, [6, k2.positions]);
  assert.equal(t1.sha, t2.sha);
  assert.match(errLine(["kymograph", p("tcyx.tif"), "--line", "5,5,60,40", "-o", p("k3.tif")]), /needs a \(T, Y, X\) time-lapse; this file has axes TCYX .*pick the channel or Z plane with --channel/);
});

test("selection errors name the axis, the range and the options", () => {
  assert.match(errLine(["frc", p("hs.tif"), "--single", "checkerboard"]), /image A has 24 planes \(axes TZCYX.*pick one with --time N \(0\.\.2\), --plane N \(0\.\.3\), --channel N \(0\.\.1\), or --select/);
  assert.match(errLine(["frc", p("hs.tif"), "--single", "checkerboard", "--select", "t=5,z=0,c=0"]), /t=5 is outside .*hs\.tif's T axis 0\.\.2/);
  assert.match(errLine(["frc", p("hs_t1z2c1.tif"), "--single", "checkerboard", "--time", "0"]), /no input has a T axis to pick t=0 from/);
  assert.match(errLine(["frc", p("hs.tif"), "--single", "checkerboard", "--select", "q=1"]), /--select must be like t=3,c=0,z=1/);
  assert.match(errLine(["frc", p("hs.tif"), "--single", "checkerboard", "--select", "t=1", "--time", "2"]), /--select picks t=1 but t=2 was already given/);
});

test("warnings: FRC of a file with itself (any spelling, or a copy), binomial FRC of data that are not photon counts", () => {
  const a = join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_0.tif");
  copyFileSync(a, p("copy.tif"));
  symlinkSync(a, p("link.tif"));
  for (const b of [a, p("link.tif"), p("copy.tif")]) {
    const r = runCli(["frc", a, b]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: A and B (are the same file|hold identical pixels): their FRC is 1 at every frequency and measures nothing/);
  }
  const two = runCli(["frc", a, join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif")]);
  assert.doesNotMatch(two.stderr, /warning/);
  // Poisson counts (gain 1) are fine; the same counts times 5 (a detector gain) are not photons.
  runPython("cli_files.py", ["counts", p("counts1.tif"), "1"]);
  runPython("cli_files.py", ["counts", p("counts5.tif"), "5"]);
  const ok = runCli(["frc", p("counts1.tif"), "--single", "binomial"]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.doesNotMatch(ok.stderr, /warning/);
  const bad = runCli(["frc", p("counts5.tif"), "--single", "binomial"]);
  assert.equal(bad.status, 0, bad.stderr);
  assert.match(bad.stderr, /warning: .*counts5\.tif does not look like photon counts \(its noise variance grows [\d.]+ per unit of intensity \(photon counts: 1\)\)/);
  // Non-integer values cannot be split binomially: refused in one line.
  assert.match(errLine(["frc", p("hs_t1z2c1.tif"), "--single", "binomial"]), /binomial FRC needs non-negative integer counts/);
});

test("calibrate warns when the synthetic-vs-real noise curve misses by more than 25 %, not when it fits", () => {
  runPython("cli_files.py", ["multiplicative", p("mult.tif")]);
  const bad = runCli(["calibrate", p("mult.tif"), "--json"]);
  assert.equal(bad.status, 0, bad.stderr);
  const mismatch = (JSON.parse(bad.stdout) as { curveMismatch: number }).curveMismatch;
  assert.ok(mismatch > 0.25, String(mismatch));
  assert.match(bad.stderr, /warning: the synthetic noise curve misses the real one by \d+% \(more than 25%\)/);
  const good = runCli(["calibrate", join(samplesDir, "em", "emdiffuse_noisy_sem", "patch_0_1.tif"), "--json"]);
  assert.equal(good.status, 0, good.stderr);
  assert.ok((JSON.parse(good.stdout) as { curveMismatch: number }).curveMismatch <= 0.25);
  assert.doesNotMatch(good.stderr, /warning/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
