// No command writes onto one of its inputs, however the output path is spelt (relative, ./,
// absolute, symlink, hard link), and the input stays byte for byte what it was; `train --out`
// onto an existing model needs --resume or --overwrite. Real files, the built CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, samplesDir } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pssr-outputs-"));
const emDir = join(samplesDir, "em", "emdiffuse_demo");
const raw = join(dir, "raw.tif");
copyFileSync(join(emDir, "mouse_liver_0.tif"), raw);
const ref = join(dir, "ref.tif");
copyFileSync(join(emDir, "mouse_liver_1.tif"), ref);
const stack = join(dir, "stack.tif");
copyFileSync(join(samplesDir, "fluo", "membrane_2d_timelapse_5x256x256.tif"), stack);
symlinkSync("raw.tif", join(dir, "link.tif"));
linkSync(raw, join(dir, "hard.tif"));

const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const snapshot = () => Object.fromEntries([raw, ref, stack].map((p) => [p, sha(p)]));
const before = snapshot();

/** Runs the CLI in `dir`, expects the refusal (exit 1, one line, "refusing") and untouched inputs. */
function refuses(args: string[], what: string): void {
  const r = runCli(args, { cwd: dir });
  assert.equal(r.status, 1, `${what}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /refusing to write|name the same file/, what);
  assert.equal(r.stderr.trim().split("\n").length, 1, `${what}: one line: ${r.stderr}`);
  assert.deepEqual(snapshot(), before, `${what}: an input changed`);
}

const spellings = ["raw.tif", "./raw.tif", raw, "link.tif", "hard.tif", "../" + dir.split("/").pop() + "/raw.tif"];

test("crappify refuses -o onto its input however it is spelt, and --upsampled too", () => {
  for (const o of spellings) refuses(["crappify", "raw.tif", "-o", o, "--recipe", "pssr-em", "--seed", "1"], `crappify -o ${o}`);
  refuses(["crappify", "raw.tif", "-o", "lr.tif", "--upsampled", "link.tif", "--recipe", "pssr-em", "--seed", "1"], "crappify --upsampled link");
  refuses(["crappify", "raw.tif", "--out", "hard.tif", "--recipe", "pssr-em", "--seed", "1"], "crappify --out alias");
  assert.ok(!existsSync(join(dir, "lr.tif")), "nothing written when one output is refused");
  // The input through a symlink is still the input.
  refuses(["crappify", "link.tif", "-o", "raw.tif", "--recipe", "pssr-em", "--seed", "1"], "crappify via symlink input");
});

test("predict, errormap and kymograph refuse to write onto an input", () => {
  for (const o of spellings) refuses(["predict", "--baseline", "bilinear", "--scale", "2", "raw.tif", "-o", o], `predict -o ${o}`);
  refuses(["errormap", "ref.tif", "raw.tif", "-o", "ref.tif"], "errormap -o REF");
  refuses(["errormap", "ref.tif", "raw.tif", "-o", "./hard.tif"], "errormap -o SR (hard link)");
  refuses(["kymograph", "stack.tif", "--line", "10,10,100,100", "-o", join(dir, "stack.tif")], "kymograph -o STACK");
});

test("predict with a model: -o, --scale-map, --disagreement, OME-Zarr outputs and the model folder are guarded", () => {
  const model = join(dir, "model");
  const t = runCli(["train", "--hr", emDir, "--out", model, "--epochs", "1", "--steps", "1", "--batch", "1", "--patch", "32", "--quiet"]);
  assert.equal(t.status, 0, t.stderr);
  const weights = sha(join(model, "weights.bin"));
  refuses(["predict", model, "raw.tif", "-o", "link.tif"], "predict MODEL IN -o IN");
  refuses(["predict", model, "raw.tif", "-o", "out.tif", "--scale-map", "raw.tif"], "--scale-map IN");
  refuses(["predict", model, "raw.tif", "-o", "out.tif", "--ensemble", model, "--disagreement", "./raw.tif"], "--disagreement IN");
  refuses(["predict", model, "raw.tif", "-o", "out.tif", "--ensemble", model, "--disagreement", "out.tif"], "--disagreement = -o");
  refuses(["predict", model, "raw.tif", "-o", join(model, "weights.tif")], "-o inside the model folder");
  // An OME-Zarr output that is the input volume (a directory) is refused too.
  mkdirSync(join(dir, "vol.zarr"));
  writeFileSync(join(dir, "vol.zarr", ".zgroup"), '{"zarr_format": 2}');
  refuses(["predict", model, "vol.zarr", "-o", "./vol.zarr", "--init"], "zarr -o IN");
  assert.equal(readFileSync(join(dir, "vol.zarr", ".zgroup"), "utf8"), '{"zarr_format": 2}');
  assert.equal(sha(join(model, "weights.bin")), weights);
  assert.ok(!existsSync(join(dir, "out.tif")));
});

test("train --out: an existing model needs --resume or --overwrite; never the folder of the inputs", () => {
  const model = join(dir, "model2");
  const args = ["train", "--hr", emDir, "--out", model, "--epochs", "1", "--steps", "1", "--batch", "1", "--patch", "32", "--quiet"];
  assert.equal(runCli(args).status, 0);
  const weights = sha(join(model, "weights.bin"));
  const again = runCli([...args, "--seed", "9"]);
  assert.equal(again.status, 1, again.stderr);
  assert.match(again.stderr, /already holds a model; add --resume to continue it or --overwrite to replace it/);
  assert.equal(again.stderr.trim().split("\n").length, 1);
  assert.equal(sha(join(model, "weights.bin")), weights, "the model is untouched");
  const over = runCli([...args, "--seed", "9", "--overwrite"]);
  assert.equal(over.status, 0, over.stderr);
  assert.notEqual(sha(join(model, "weights.bin")), weights, "--overwrite replaced it");
  // The folder that holds the training images is not a model folder.
  const data = join(dir, "data");
  mkdirSync(data);
  for (const f of readdirSync(emDir).filter((f) => f.endsWith(".tif"))) copyFileSync(join(emDir, f), join(data, f));
  const r = runCli(["train", "--hr", data, "--out", data, "--epochs", "1", "--steps", "1", "--batch", "1", "--patch", "32"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /refusing to write into the folder that holds the input/);
  assert.ok(!existsSync(join(data, "model.json")));
});

test("report and demo never write over their inputs", () => {
  const demoDir = join(dir, "demo");
  mkdirSync(demoDir);
  writeFileSync(join(demoDir, "metrics.json"), '{"rows": []}');
  refuses(["report", "--demo-dir", demoDir, "-o", join(demoDir, "metrics.json")], "report -o metrics.json");
  // demo --out onto the bundled sample folder it reads.
  const r = runCli(["demo", "--out", emDir, "--no-train"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /refusing to write into the folder that holds the input/);
  assert.ok(!existsSync(join(emDir, "metrics.json")));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
