// `pssr models` and model names on the command line: a model trained here in seconds into a
// private models folder (PSSR_MODELS_DIR) is listed, predicts and exports by name, seeds a
// fine-tuning run (train --init NAME), and its card names its data with sha256 and licences.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { python, runCli, samplesDir } from "../helpers.js";
import { readImage } from "../../src/io/read.js";
import { RestorationModel } from "../../src/model/model.js";
import { selectBackend } from "../../src/backend/index.js";

const { tf } = await selectBackend({ name: "wasm" });
const liver0 = join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_0.tif");
const cortex0 = join(samplesDir, "em", "emdiffuse_demo", "microns_mouse_cortex_0.tif");
const liver1 = join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif");

function sha256(file: string): string {
  const r = spawnSync(python, ["-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())", file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

async function weightsOf(dir: string): Promise<Float32Array[]> {
  const m = await RestorationModel.load(dir, tf);
  const out = m.trainableVariables().map((v) => v.dataSync() as Float32Array);
  m.dispose();
  return out;
}

test("pssr models lists named models from their cards; predict, --ensemble and export take a name; unknown names are one line", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-models-"));
  try {
    const models = join(dir, "models");
    const env = { PSSR_MODELS_DIR: models };
    const empty = runCli(["models"], { env });
    assert.equal(empty.status, 0, empty.stderr);
    assert.match(empty.stdout, /^no named models in .*models$/m);
    const t = runCli(["train", "--hr", liver0, "--hr", cortex0, "--out", join(models, "em-test"), "--epochs", "1", "--steps", "2", "--pixel-size", "5", "--quiet"]);
    assert.equal(t.status, 0, t.stderr);
    const card = JSON.parse(readFileSync(join(models, "em-test", "card.json"), "utf8"));
    // The card: each training file with sha256 (= hashlib), licence and attribution.
    assert.deepEqual(card.provenance.map((f: { file: string }) => f.file), [liver0, cortex0]);
    assert.deepEqual(card.provenance.map((f: { sha256: string }) => f.sha256), [sha256(liver0), sha256(cortex0)]);
    assert.deepEqual(card.provenance.map((f: { licence: string }) => f.licence.split(" ")[0]), ["MIT", "MIT"]);
    assert.match(card.provenance[1].attribution, /MICrONS/);

    const list = runCli(["models"], { env });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^em-test {2}modality not stated, 4x, resunet-lr\/tiny, \d+\.\d MB$/m);
    assert.match(list.stdout, /pixel size: input 20 nm -> output 5 nm/);
    assert.match(list.stdout, /data: 1 file of emdiffuse-mouse-liver \(MIT; attribution: .*\)/);
    assert.match(list.stdout, new RegExp(`validation: PSNR ${card.validation.psnr.toFixed(2)} dB \\(bilinear ${card.validation.bilinearPsnr.toFixed(2)}\\)`));
    const json = JSON.parse(runCli(["models", "--json"], { env }).stdout);
    assert.equal(json.length, 1);
    assert.deepEqual([json[0].name, json[0].scale, json[0].inputPixelSizeNm, json[0].outputPixelSizeNm, json[0].data.files], ["em-test", 4, 20, 5, 2]);
    assert.equal(json[0].validation.psnr, card.validation.psnr);
    // What ships is counted, not the training checkpoint.
    const shipped = ["model.json", "weights.bin", "card.json"].reduce((a, f) => a + readFileSync(join(models, "em-test", f)).length, 0);
    assert.equal(json[0].sizeBytes, shipped);
    assert.ok(existsSync(join(models, "em-test", "checkpoint")));
    const extra = runCli(["models", "em-test"], { env });
    assert.equal(extra.status, 1);
    assert.match(extra.stderr, /pssr models takes no arguments/);

    // predict by name = predict by directory, byte for byte.
    const byName = join(dir, "by-name.tif");
    const byDir = join(dir, "by-dir.tif");
    const a = runCli(["predict", "em-test", liver1, "-o", byName, "--quiet", "--pixel-size", "20"], { env });
    assert.equal(a.status, 0, a.stderr);
    const b = runCli(["predict", join(models, "em-test"), liver1, "-o", byDir, "--quiet", "--pixel-size", "20"], { env });
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(readFileSync(byName), readFileSync(byDir));
    // --ensemble takes names too: the model twice is the model.
    const ens = join(dir, "ens.tif");
    const e = runCli(["predict", "em-test", liver1, "-o", ens, "--ensemble", "em-test", "--quiet", "--pixel-size", "20"], { env });
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /mean of 2 models/);
    {
      const [m, s] = await Promise.all([readImage(ens), readImage(byDir)]);
      let worst = 0;
      for (let i = 0; i < m.data.length; i++) worst = Math.max(worst, Math.abs(Number(m.data[i]) - Number(s.data[i])));
      assert.ok(worst < 1e-4, `ensemble of one model twice differs by ${worst}`);

      // Unknown name: one line naming the known ones, nothing written.
      const bad = runCli(["predict", "em-tset", liver1, "-o", join(dir, "bad.tif")], { env });
      assert.equal(bad.status, 1);
      assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
      assert.match(bad.stderr, /unknown model "em-tset" \(neither a folder nor a named model\); named models: em-test \(pssr models lists them\)/);
      assert.ok(!existsSync(join(dir, "bad.tif")));
      // A path wins over a name: a folder called em-test in the current directory is used (and is no model).
      const here = join(dir, "cwd");
      mkdirSync(join(here, "em-test"), { recursive: true });
      const shadow = runCli(["predict", "em-test", liver1, "-o", join(dir, "shadow.tif")], { env, cwd: here });
      assert.equal(shadow.status, 1);
      assert.doesNotMatch(shadow.stderr, /unknown model/);
      assert.match(shadow.stderr, /em-test/);
      // Outputs may not land inside the named model.
      const inside = runCli(["predict", "em-test", liver1, "-o", join(models, "em-test", "x.tif")], { env });
      assert.equal(inside.status, 1);
      assert.match(inside.stderr, /refusing to write inside the input/);

      // export by name.
      const zip = join(dir, "em-test.zip");
      const x = runCli(["export", "em-test", "-o", zip], { env });
      assert.equal(x.status, 0, x.stderr);
      assert.ok(readFileSync(zip).length > 1000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pssr train --init NAME fine-tunes a named model: training starts from its weights, the card says so; clashing options are one line", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-models-"));
  try {
    const models = join(dir, "models");
    const env = { PSSR_MODELS_DIR: models };
    const t = runCli(["train", "--hr", liver0, "--out", join(models, "base"), "--epochs", "1", "--steps", "3", "--seed", "4", "--scale", "2", "--quiet"]);
    assert.equal(t.status, 0, t.stderr);
    // A learning rate too small to move anything: the fine-tuned weights are the starting ones.
    const ft = join(dir, "ft");
    const r = runCli(["train", "--hr", cortex0, "--out", ft, "--init", "base", "--epochs", "1", "--steps", "1", "--learning-rate", "1e-12", "--quiet"], { env });
    assert.equal(r.status, 0, r.stderr);
    const card = JSON.parse(readFileSync(join(ft, "card.json"), "utf8"));
    assert.equal(card.training.initFrom, join(models, "base"));
    assert.equal(card.scale, 2, "the starting model's scale, not the default 4");
    const [w0, w1] = [await weightsOf(join(models, "base")), await weightsOf(ft)];
    let worst = 0;
    for (let k = 0; k < w0.length; k++) for (let i = 0; i < w0[k].length; i++) worst = Math.max(worst, Math.abs(w0[k][i] - w1[k][i]));
    assert.ok(worst < 1e-6, `weights moved by ${worst}`);
    // Without --init the same run starts elsewhere (a fresh network).
    const fresh = join(dir, "fresh");
    assert.equal(runCli(["train", "--hr", cortex0, "--out", fresh, "--scale", "2", "--epochs", "1", "--steps", "1", "--learning-rate", "1e-12", "--quiet"]).status, 0);
    const w2 = await weightsOf(fresh);
    assert.notDeepEqual(w2[0], w0[0]);

    const clash = runCli(["train", "--hr", cortex0, "--out", join(dir, "c"), "--init", "base", "--preset", "small", "--scale", "4"], { env });
    assert.equal(clash.status, 1);
    assert.equal(clash.stderr.trim().split("\n").length, 1, clash.stderr);
    assert.match(clash.stderr, /--init keeps the architecture of the model it starts from; leave out --preset, --scale/);
    const unknown = runCli(["train", "--hr", cortex0, "--out", join(dir, "u"), "--init", "nope"], { env });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown model "nope" .*named models: base/);
    assert.ok(!existsSync(join(dir, "c")) && !existsSync(join(dir, "u")));
    assert.deepEqual(readdirSync(models), ["base"], "the named model is not written to");
    // A named ensemble is listed as one, and cannot seed a fine-tuning run (which member?).
    for (const k of [1, 2]) cpSync(join(models, "base"), join(models, "ens", `member-${k}`), { recursive: true });
    writeFileSync(join(models, "ens", "ensemble.json"), JSON.stringify({ format: "pssr-lab/ensemble-v1", members: ["member-1", "member-2"], seeds: [4, 4], splitSeed: 4 }));
    assert.match(runCli(["models"], { env }).stdout, /^ens {2}modality not stated, 2x, resunet-lr\/tiny, ensemble of 2, /m);
    const ens = runCli(["train", "--hr", cortex0, "--out", join(dir, "e"), "--init", "ens"], { env });
    assert.equal(ens.status, 1);
    assert.match(ens.stderr, /--init ens is an ensemble; give one of its members \(.*member-1\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
