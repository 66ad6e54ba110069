// Named models: models/NAME (or PSSR_MODELS_DIR) resolution, listing, loadModel, and the data
// provenance of cards (sha256 checked against Python's hashlib).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/index.js";
import { PssrError } from "../../src/errors.js";
import { RestorationModel, modelSpec } from "../../src/model/index.js";
import { dataProvenance, knownDataset } from "../../src/model/provenance.js";
import { isModelName, listModels, modelProvenance, modelsDir, resolveModelPath, trainedOn, MODELS_DIR_ENV } from "../../src/model/registry.js";
import { loadModel, loadModelDir } from "../../src/predict/index.js";
import { writeModelCard } from "../../src/model/card.js";
import { python, samplesDir } from "../helpers.js";

const { tf } = await selectBackend({ name: "wasm" });

/** [sha256, size] of each file, by Python's hashlib and os. */
function pythonHashes(files: string[]): [string, number][] {
  const r = spawnSync(python, ["-c", "import hashlib,os,sys\nfor f in sys.argv[1:]: print(hashlib.sha256(open(f,'rb').read()).hexdigest(), os.path.getsize(f))", ...files], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n").map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]);
}

/** A registry with real (untrained) models m1, m2, an ensemble ens of two, and a folder that is no model. */
async function makeRegistry(root: string): Promise<void> {
  const spec = modelSpec({ preset: "tiny", arch: "resunet-lr", scale: 2 });
  for (const [name, seed] of [["m1", 1], ["m2", 2], ["ens/member-1", 3], ["ens/member-2", 4]] as const) {
    const m = RestorationModel.create(spec, seed, tf);
    await m.save(join(root, name));
    m.dispose();
    writeModelCard(join(root, name), { spec, architecture: spec.arch, preset: spec.preset, scale: 2, modality: "em" });
  }
  writeFileSync(join(root, "ens", "ensemble.json"), JSON.stringify({ format: "pssr-lab/ensemble-v1", members: ["member-1", "member-2"], seeds: [3, 4], splitSeed: 3 }));
  mkdirSync(join(root, "notes"));
  writeFileSync(join(root, "notes", "README.md"), "not a model");
}

test("a bare name resolves to the models folder, a path wins, an unknown name is one line listing the names", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-registry-"));
  const saved = process.env[MODELS_DIR_ENV];
  const cwd = process.cwd();
  try {
    const root = join(dir, "models");
    await makeRegistry(root);
    process.env[MODELS_DIR_ENV] = root;
    assert.equal(modelsDir(), root);
    assert.deepEqual(listModels().map((m) => [m.name, m.members, m.card?.modality]), [["ens", 2, "em"], ["m1", 1, "em"], ["m2", 1, "em"]]);
    assert.equal(resolveModelPath("m1"), join(root, "m1"));
    assert.equal(resolveModelPath("ens"), join(root, "ens"));
    // Paths are never names: separators, . and .., and anything that exists here.
    for (const p of ["./m1", "models/m1", join(root, "m2"), ".", ".."]) assert.equal(isModelName(p), false, p);
    assert.equal(resolveModelPath("./m1"), "./m1");
    process.chdir(dir);
    mkdirSync(join(dir, "m1"));
    assert.equal(resolveModelPath("m1"), "m1", "a folder of that name in the current directory wins");
    process.chdir(cwd);
    assert.throws(
      () => resolveModelPath("notes"),
      (e: unknown) => e instanceof PssrError && e.code === "unknown-name" && /unknown model "notes" \(neither a folder nor a named model\); named models: ens, m1, m2 \(pssr models lists them\)/.test(e.message) && !e.message.includes("\n"),
    );
    process.env[MODELS_DIR_ENV] = join(dir, "absent");
    assert.deepEqual(listModels(), []);
    assert.throws(() => resolveModelPath("m1"), /unknown model "m1" .*; no named models in .*absent/);
  } finally {
    process.chdir(cwd);
    if (saved === undefined) delete process.env[MODELS_DIR_ENV];
    else process.env[MODELS_DIR_ENV] = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadModel(name) loads the same network and card as loadModelDir(dir)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-registry-"));
  const saved = process.env[MODELS_DIR_ENV];
  try {
    await makeRegistry(dir);
    process.env[MODELS_DIR_ENV] = dir;
    const before = tf.memory().numTensors;
    const byName = await loadModel("m2", tf);
    const byDir = await loadModelDir(join(dir, "m2"), tf);
    const other = await loadModelDir(join(dir, "m1"), tf);
    const x = tf.randomUniform([1, 16, 16, 1], 0, 1, "float32", 5) as Tensor4D;
    const [a, b, c] = [byName, byDir, other].map((m) => tf.tidy(() => m.model.apply(x)));
    assert.deepEqual(await a.data(), await b.data());
    assert.deepEqual(byName.card, byDir.card);
    // The output convolution starts at zero, so compare weights, not outputs, to tell m1 from m2.
    const w = (m: typeof byName) => m.model.trainableVariables().flatMap((v) => Array.from(v.dataSync()));
    assert.deepEqual(w(byName), w(byDir));
    assert.notDeepEqual(w(byName), w(other));
    tf.dispose([x, a, b, c]);
    for (const m of [byName, byDir, other]) m.model.dispose();
    assert.equal(tf.memory().numTensors, before, "nothing left behind");
    await assert.rejects(loadModel("m3", tf), /unknown model "m3".*named models: ens, m1, m2/);
  } finally {
    if (saved === undefined) delete process.env[MODELS_DIR_ENV];
    else process.env[MODELS_DIR_ENV] = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("data provenance: sha256 as Python's hashlib computes it, size, and the dataset's licence and attribution", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-prov-"));
  try {
    const own = join(dir, "my_cells.tif");
    writeFileSync(own, Buffer.from("not from a known dataset"));
    const files = [join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_0.tif"), join(samplesDir, "em", "emdiffuse_demo", "microns_mouse_cortex_0.tif"), join(samplesDir, "fluo", "BPAE_mito.tif"), own];
    const p = dataProvenance(files);
    assert.deepEqual(p.map((f) => [f.sha256, f.bytes]), pythonHashes(files));
    assert.equal(p[0].relativePath, "em/emdiffuse_demo/mouse_liver_0.tif");
    assert.equal(p[0].licence, "MIT");
    assert.match(p[1].licence!, /MICrONS data CC BY 4\.0/);
    assert.match(p[1].attribution!, /MICrONS/);
    assert.equal(p[2].licence, "CC BY 4.0", "CC BY data names its attribution");
    assert.ok(p[2].attribution);
    assert.deepEqual([p[3].dataset, p[3].licence, p[3].attribution, p[3].relativePath], [null, null, null, null]);
    assert.throws(() => dataProvenance([join(dir, "missing.tif")]), (e: unknown) => e instanceof PssrError && e.code === "file-not-found");
    assert.equal(knownDataset("/x/shared/data/em/neuroproof_fibsem_medulla_10nm/training_sample1/grayscale_maps/iso.2600.png")?.dataset.licence.startsWith("CC BY"), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model's provenance: the card's own list, else provenance.json beside it (scripts/train-pretrained's format)", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-prov-"));
  try {
    writeFileSync(join(dir, "provenance.json"), JSON.stringify({ config: { modality: "em" }, files: [{ dataset: "neuroproof-fibsem", path: "shared/data/em/neuroproof_fibsem_medulla_10nm/training_sample1/grayscale_maps/iso.2600.png", sha256: "ab", licence: "CC BY", attribution: "HHMI Janelia FlyEM" }] }));
    const fromFile = modelProvenance(dir, null);
    assert.equal(fromFile.length, 1);
    assert.equal(fromFile[0].relativePath, "em/neuroproof_fibsem_medulla_10nm/training_sample1/grayscale_maps/iso.2600.png");
    assert.deepEqual([fromFile[0].dataset, fromFile[0].licence, fromFile[0].attribution, fromFile[0].sha256], ["neuroproof-fibsem", "CC BY", "HHMI Janelia FlyEM", "ab"]);
    const liver0 = join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_0.tif");
    const own = dataProvenance([liver0]);
    assert.deepEqual(modelProvenance(dir, { provenance: own } as never), own, "the card's list wins");
    // trainedOn: by the bytes' sha256, whatever the path; a model that records nothing was trained on nothing known.
    const copy = join(dir, "renamed.tif");
    writeFileSync(copy, readFileSync(liver0));
    assert.equal(trainedOn(dir, { provenance: own } as never, copy), true);
    assert.equal(trainedOn(dir, { provenance: own } as never, join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif")), false);
    assert.equal(trainedOn(join(dir, "none"), null, liver0), false);
    writeFileSync(join(dir, "provenance.json"), "{");
    assert.throws(() => modelProvenance(dir, null), (e: unknown) => e instanceof PssrError && e.code === "model-invalid" && /provenance\.json is not valid JSON/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
