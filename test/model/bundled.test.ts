// The bundled pretrained models (models/NAME): what the npm package ships (each under 10 MB, no
// training checkpoints), and pssr-em-4x's card (complete; its data's sha256 = the shared files';
// licences and CC BY attributions named) and quality on an EM image it was not trained on,
// scored by scikit-image. Skipped, saying why, while the package has no bundled models.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend } from "../../src/backend/index.js";
import { crappify } from "../../src/crappify/index.js";
import { getPlane, imageFromPlanes } from "../../src/image/image.js";
import { readImage } from "../../src/io/read.js";
import { writeTiff } from "../../src/io/write.js";
import { listModels, modelLeaveOneOut, modelProvenance, modelModality } from "../../src/model/registry.js";
import { loadModel, predictBaseline, predictImage } from "../../src/predict/index.js";
import { python, repoRoot, runPython, samplesDir, sharedDataDir } from "../helpers.js";

const bundledDir = join(repoRoot, "models");
const bundled = listModels(bundledDir);
const MAX_MODEL_BYTES = 10 * 1000 * 1000;

test("the npm package ships each bundled model under 10 MB and without its training checkpoint", { skip: bundled.length === 0 && "no bundled models in models/ yet" }, () => {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const packed = JSON.parse(execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  const files = (packed[0].files as { path: string; size: number }[]).filter((f) => f.path.startsWith("models/"));
  for (const m of bundled) {
    const own = files.filter((f) => f.path.startsWith(`models/${m.name}/`));
    assert.ok(own.some((f) => f.path === `models/${m.name}/model.json`) && own.some((f) => f.path === `models/${m.name}/card.json`), `${m.name}: model.json and card.json ship`);
    const bytes = own.reduce((a, f) => a + f.size, 0);
    assert.ok(bytes < MAX_MODEL_BYTES, `${m.name} ships ${(bytes / 1e6).toFixed(1)} MB (limit 10 MB)`);
  }
  assert.deepEqual(files.filter((f) => /\/checkpoint\/|\.probe\//.test(f.path)).map((f) => f.path), [], "no checkpoints or probe runs in the package");
});

const em = bundled.find((m) => m.name === "pssr-em-4x");

test("pssr-em-4x: complete card (data sha256 = the shared files, licences and attributions), and it beats bilinear on EM it was not trained on", { skip: !em && "models/pssr-em-4x is not there yet", timeout: 300_000 }, async () => {
  const m = em!;
  const card = m.card!;
  assert.ok(card, "a card");
  assert.equal(card.scale, 4);
  assert.equal(modelModality(m.dir, card), "em");
  assert.ok(card.recipe !== null, "recipe");
  assert.ok(Number.isInteger(card.seed), "seed");
  for (const k of ["backend", "seconds", "epochs", "stepsPerEpoch", "batchSize"]) assert.ok(card.training[k] !== undefined, `training.${k} (budget, backend, time)`);
  assert.ok(card.hrPixelSizeNm && card.lrPixelSizeNm, "pixel sizes");
  assert.ok(Number.isFinite(card.validation.psnr) && Number.isFinite(card.validation.bilinearPsnr), "validation figures");
  assert.ok(modelLeaveOneOut(m.dir, card).length > 0, "leave-one-dataset-out figures (card.leaveOneDatasetOut or provenance.json)");
  const files = modelProvenance(m.dir, card);
  assert.ok(files.length > 0, "training files with provenance");
  for (const f of files) {
    assert.match(f.sha256, /^[0-9a-f]{64}$/, `${f.file}: sha256`);
    assert.ok(f.licence, `${f.file}: licence named`);
    if (/CC[ -]BY/i.test(f.licence!)) assert.ok(f.attribution, `${f.file}: CC BY data names its attribution`);
  }
  // The sha256 of every file still present in the shared data (or the bundled samples), by hashlib.
  const present = files
    .map((f) => ({ f, path: [join(sharedDataDir, f.relativePath ?? ""), join(samplesDir, f.relativePath ?? "")].find((p) => f.relativePath && existsSync(p)) }))
    .filter((x): x is { f: (typeof files)[number]; path: string } => x.path !== undefined);
  if (present.length) {
    const r = spawnSync(python, ["-c", "import hashlib,sys\nfor f in sys.argv[1:]: print(hashlib.sha256(open(f,'rb').read()).hexdigest())", ...present.map((x) => x.path)], { encoding: "utf8", maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), present.map((x) => x.f.sha256), "sha256 in the card = the files in the shared data");
  }

  // A held-out EM image: the first candidate whose bytes are not among the training files.
  const trained = new Set(files.map((f) => f.sha256));
  const candidates = [join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean", "pair1_gt_clean.tif"), ...["n2v_sem_demo_600x600_float32.tif", "sev_tem_vesicles_400x400_uint16.tif", "cebranet_vsem_64x64x64.tif"].map((n) => join(sharedDataDir, "em", "bioimageio_samples", n))];
  const hashOf = (p: string) => spawnSync(python, ["-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())", p], { encoding: "utf8" }).stdout.trim();
  const heldOut = candidates.find((p) => existsSync(p) && !trained.has(hashOf(p)));
  assert.ok(heldOut, "an EM image the model was not trained on");
  await selectBackend({ name: "wasm" });
  const dir = mkdtempSync(join(tmpdir(), "pssr-bundled-"));
  const model = await loadModel(m.dir);
  try {
    const hr = getPlane(await readImage(heldOut!)); // every candidate is a multiple of 4 pixels per side
    const lr = crappify(hr, "pssr-em", { scaleFactor: 4, seed: 1 }).lr;
    const restored = predictImage(model.model, lr, { normalization: model.card?.normalization }).image;
    const files3 = { hr: join(dir, "hr.tif"), model: join(dir, "model.tif"), bilinear: join(dir, "bilinear.tif") };
    await writeTiff(files3.hr, imageFromPlanes([hr]), { dtype: "float32" });
    await writeTiff(files3.model, restored, { dtype: "float32" });
    await writeTiff(files3.bilinear, predictBaseline(lr, 4, "bilinear"), { dtype: "float32" });
    const s = JSON.parse(runPython("demo_check.py", ["--against", files3.hr, files3.model, files3.bilinear]));
    const [mod, bil] = [s[files3.model], s[files3.bilinear]];
    console.log(`# pssr-em-4x on ${heldOut}: PSNR ${mod.psnr.toFixed(2)} vs bilinear ${bil.psnr.toFixed(2)} dB, SSIM ${mod.ssim.toFixed(3)} vs ${bil.ssim.toFixed(3)}`);
    assert.ok(mod.psnr > bil.psnr, `PSNR ${mod.psnr} <= bilinear ${bil.psnr}`);
    assert.ok(mod.ssim > bil.ssim, `SSIM ${mod.ssim} <= bilinear ${bil.ssim}`);
  } finally {
    model.model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
