#!/usr/bin/env node
// Trains the bundled pretrained models (issue 18) reproducibly from the shared data:
//   node scripts/train-pretrained.mjs em   [--epochs N | --minutes M] [--work DIR]   -> models/pssr-em-4x
//   node scripts/train-pretrained.mjs fluo [--epochs N | --minutes M] [--work DIR]   -> models/pssr-fluo-4x
//   (--loss NAME overrides the loss, --publish DIR the destination)
// Trains in the work folder (default .train/NAME: checkpoints, plan), and when the run is
// complete copies the model (model.json, weights.bin, card.json, provenance.json) to models/NAME.
// The budget is the config's epochs x steps (reproducible); --minutes instead plans the epochs
// from a short speed probe. Resumable: the plan is
// written to WORK/plan.json; run the same command again after an interruption and it continues
// from WORK/checkpoint with the same plan, data, seeds and schedule.
// Needs `npm run build` first (it uses dist/).
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const lib = await import(join(repo, "dist/src/index.js"));
const dsm = await import(join(repo, "dist/bench/em-datasets.js"));
const gen = await import(join(repo, "dist/bench/generalisation.js"));
const { atomicWriteFile, replaceDirectory, temporaryDirFor } = await import(join(repo, "dist/src/io/atomic.js"));

// The a-priori recipes of the two models; every field goes into the card.
export const CONFIGS = {
  em: {
    name: "pssr-em-4x",
    modality: "em",
    // Trained on four EM datasets; three more (cebranet-vsem, n2v-sem, sev-tem) stay unseen so
    // the model's figures on them (docs/GENERALISATION.md) are honest leave-out figures.
    datasets: ["emdiffuse-sstem", "neuroproof-fibsem", "mitoem-ssem", "platynereis-sbem"],
    heldOut: ["cebranet-vsem", "n2v-sem", "sev-tem"],
    model: { arch: "resunet-lr", preset: "tiny", scale: 4 },
    // pssr-em with its noise drawn per sample around the paper's 0.05 / 3 px (PSSR2-style ranges).
    recipe: lib.EM_NOISE_RANGES,
    appearance: lib.EM_AUGMENT,
    loss: "msssim-l1",
    patchPx: 96,
    batchSize: 8,
    stepsPerEpoch: 100,
    learningRate: 1e-3,
    seed: 18,
    // Nominal HR pixel size of the training data where known (neuroproof 10 nm, MitoEM 8 nm).
    hrPixelSizeNm: 10,
    epochs: 24,
  },
  fluo: {
    name: "pssr-fluo-4x",
    modality: "fluo",
    datasets: ["bpae-mito", "membrane-timelapse", "cancer-cell-nuclei", "micromanager-cells"],
    heldOut: [],
    model: { arch: "resunet-lr", preset: "tiny", scale: 4 },
    recipe: { name: "pssr-fluo", params: { localvarScale: [0.2, 0.8] } },
    appearance: lib.FLUO_AUGMENT,
    loss: "msssim-l1",
    patchPx: 64,
    batchSize: 8,
    stepsPerEpoch: 100,
    learningRate: 1e-3,
    seed: 18,
    hrPixelSizeNm: null,
    epochs: 26,
  },
};

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const which = process.argv[2];
  const cfg = CONFIGS[which];
  if (!cfg) {
    console.error(`usage: node scripts/train-pretrained.mjs em|fluo [--epochs N | --minutes M] [--work DIR]`);
    process.exit(2);
  }
  // The default backend choice of `pssr train` (tfjs-node when installed, else wasm; PSSR_BACKEND).
  const { name: backend } = await lib.selectBackend({ name: arg("--backend", null) });
  console.log(`backend: ${backend}`);
  const minutes = arg("--minutes") === undefined ? null : Number(arg("--minutes"));
  const outDir = resolve(arg("--work", join(repo, ".train", cfg.name)));
  const modelDir = resolve(arg("--publish", join(repo, "models", cfg.name)));
  // --loss overrides the config's loss (the ablation of docs/GENERALISATION.md); recorded in provenance.json.
  if (arg("--loss")) cfg.loss = arg("--loss");
  const root = dsm.sharedDataDir;
  const catalogue = [...dsm.emDatasets(root), ...dsm.fluoDatasets()];
  // The demo's held-out crops (DEMO_HELD_OUT) are never trained on: `pssr demo` scores the
  // pretrained model on them, and a model scored on its own training images would flatter itself.
  const datasets = cfg.datasets.map((id) => {
    const d = catalogue.find((c) => c.id === id);
    return { ...d, files: d.files.filter((f) => !lib.DEMO_HELD_OUT.includes(f.path)) };
  });
  const sources = [];
  for (const ds of datasets) sources.push(...(await dsm.loadSources(ds, root)));
  console.log(`${cfg.name}: ${sources.length} planes from ${datasets.map((d) => d.id).join(", ")}`);

  const base = {
    sources,
    model: cfg.model,
    recipe: cfg.recipe,
    loss: cfg.loss,
    patchPx: cfg.patchPx,
    batchSize: cfg.batchSize,
    learningRate: cfg.learningRate,
    seed: cfg.seed,
    appearance: cfg.appearance,
    onWarning: (m) => console.log(`warning: ${m}`),
  };
  const planFile = join(outDir, "plan.json");
  let plan;
  if (existsSync(planFile)) {
    plan = JSON.parse(readFileSync(planFile, "utf8"));
    console.log(`resuming with the plan in ${planFile}: ${plan.epochs} epochs x ${plan.stepsPerEpoch} steps`);
  } else if (minutes === null) {
    plan = { epochs: Number(arg("--epochs", cfg.epochs)), stepsPerEpoch: cfg.stepsPerEpoch };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(planFile, JSON.stringify(plan, null, 2) + "\n");
    console.log(`plan: ${plan.epochs} epochs x ${plan.stepsPerEpoch} steps`);
  } else {
    // Speed probe: 30 steps in a scratch folder, then epochs to fill the budget.
    const probeDir = `${outDir}.probe`;
    rmSync(probeDir, { recursive: true, force: true });
    const ac = new AbortController();
    let n = 0;
    let t0 = 0;
    let rate = 0;
    await lib.train({
      ...base, outDir: probeDir, epochs: 1, stepsPerEpoch: 40, signal: ac.signal, calibration: "none",
      onProgress: (e) => {
        if (e.type !== "step") return;
        n++;
        if (n === 10) t0 = performance.now();
        if (n === 40) { rate = 30 / ((performance.now() - t0) / 1000); ac.abort(); }
      },
    });
    rmSync(probeDir, { recursive: true, force: true });
    // 85% of the budget for steps: the rest goes to remaking pairs and validation each epoch.
    const totalSteps = Math.max(cfg.stepsPerEpoch, Math.floor(minutes * 60 * rate * 0.85));
    plan = { epochs: Math.max(1, Math.floor(totalSteps / cfg.stepsPerEpoch)), stepsPerEpoch: cfg.stepsPerEpoch, probeStepsPerSecond: rate, minutes };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(planFile, JSON.stringify(plan, null, 2) + "\n");
    console.log(`plan: ${rate.toFixed(2)} steps/s -> ${plan.epochs} epochs x ${plan.stepsPerEpoch} steps for ~${minutes} min`);
  }
  const resume = lib.hasCheckpoint(outDir);
  const files = dsm.provenance(datasets, root);
  // Ctrl-C / SIGTERM: stop after the current step; the last epoch's checkpoint resumes.
  const stop = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => stop.abort());
  const result = await lib.train({
    signal: stop.signal,
    ...base,
    outDir,
    epochs: plan.epochs,
    stepsPerEpoch: plan.stepsPerEpoch,
    resume,
    card: {
      hrPixelSizeNm: cfg.hrPixelSizeNm,
      lrPixelSizeNm: cfg.hrPixelSizeNm == null ? null : cfg.hrPixelSizeNm * cfg.model.scale,
      data: { hr: files.map((f) => f.path) },
    },
    onProgress: (e) => {
      if (e.type === "start") console.log(`start: epoch ${e.startEpoch}/${e.epochs}, ${e.parameters} parameters, ${e.backend}`);
      if (e.type === "epoch") console.log(`epoch ${e.epoch}/${e.epochs} loss ${e.trainLoss.toFixed(4)} val PSNR ${e.validation.psnr.toFixed(2)} (bilinear ${e.validation.bilinearPsnr?.toFixed?.(2)}) SSIM ${e.validation.ssim?.toFixed?.(3)} ${e.best ? "best" : ""} ${e.seconds.toFixed(0)} s`);
    },
  });
  // Provenance next to the card: each training file with sha256, licence and attribution.
  const prov = { model: cfg.name, config: cfg, plan, script: "scripts/train-pretrained.mjs", files, wallSeconds: result.seconds };
  await atomicWriteFile(join(outDir, "provenance.json"), new TextEncoder().encode(JSON.stringify(prov, null, 2) + "\n"));
  if (result.interrupted) return console.log("interrupted: run the same command again to resume");
  // The held-out datasets' figures into the card (docs/GENERALISATION.md).
  if (cfg.heldOut.length) {
    await gen.evaluateModelDir(outDir, cfg.heldOut.map((id) => catalogue.find((d) => d.id === id)), root, {
      maxPlanes: 8,
      record: true,
      onRow: (r) => console.log(`held out ${r.dataset}: PSNR ${r.figures.model.psnr.toFixed(2)} (bilinear ${r.figures.bilinear.psnr.toFixed(2)}), SSIM ${r.figures.model.ssim.toFixed(3)} (bilinear ${r.figures.bilinear.ssim.toFixed(3)})`),
    });
  }
  // Publish the finished model as a whole (a half-copied folder never appears under models/).
  const tmp = temporaryDirFor(modelDir);
  for (const f of ["model.json", "weights.bin", "card.json", "provenance.json"]) copyFileSync(join(outDir, f), join(tmp, f));
  replaceDirectory(tmp, modelDir);
  console.log(`done: ${result.epochsCompleted} epochs, best ${JSON.stringify(result.best)}, ${result.seconds.toFixed(0)} s`);
}

await main();
