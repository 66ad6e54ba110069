// Training budgets and named events: a budget run plans epochs x steps from measured speeds,
// keeps one-cycle's shape over the whole plan and ends within 10 % of its time; a killed budget
// run resumes its plan; the events come in fastai's order; the plan's arithmetic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend } from "../../src/backend/index.js";
import { readImage } from "../../src/io/read.js";
import { modelSpec, inputMultiple } from "../../src/model/index.js";
import { readModelCard } from "../../src/model/card.js";
import {
  notBetterThanBilinear,
  patchesHeld,
  planBudget,
  presetTrainingDefaults,
  sourceFromImage,
  stepsToCoverData,
  train,
  trainEnsemble,
  type ProgressEvent,
  type SourceImage,
  type TrainingPlan,
  type TrainOptions,
} from "../../src/train/index.js";
import { sharedDataDir } from "../helpers.js";

await selectBackend({ name: "wasm" });

const emDir = join(sharedDataDir, "em", "emdiffuse_demo");
const sources: SourceImage[] = [];
for (const f of ["microns_mouse_cortex_0.tif", "microns_mouse_cortex_1.tif", "mouse_liver_0.tif", "mouse_liver_1.tif"]) sources.push(sourceFromImage(f, await readImage(join(emDir, f))));

const BUDGET: Omit<TrainOptions, "outDir"> = {
  sources,
  recipe: "pssr-em",
  model: { preset: "tiny", arch: "resunet-lr", scale: 4 },
  batchSize: 2,
  patchPx: 32,
  validationFraction: 0.25,
  validationPatches: 4,
  seed: 4,
  budgetMinutes: 0.3,
};

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "pssr-budget-"));
}

test("a 0.3-minute budget run ends within 10 % of its time, one-cycle laid over the whole plan, plan and time in the card", async (t) => {
  const out = tmp();
  try {
    const rates: { lr: number; seconds: number }[] = [];
    const t0 = performance.now();
    const r = await train({ ...BUDGET, outDir: out, onProgress: (e) => e.type === "step" && rates.push({ lr: e.learningRate, seconds: (performance.now() - t0) / 1000 }) });
    const seconds = (performance.now() - t0) / 1000;
    assert.ok(Math.abs(seconds - 18) <= 1.8, `ran ${seconds.toFixed(2)} s for an 18 s budget (plan ${JSON.stringify(r.plan)})`);
    assert.equal(r.plan.kind, "budget");
    assert.equal(r.plan.budgetSeconds, 18);
    assert.ok(r.plan.epochs >= 4, `at least 4 epochs planned: ${r.plan.epochs}`);
    const warm = r.plan.measured!.warmupSteps;
    const stepsRun = warm + rates.length;
    assert.equal(r.steps, stepsRun);
    assert.ok(stepsRun >= 0.8 * r.plan.totalSteps, `ran ${stepsRun} of ${r.plan.totalSteps} planned steps`);
    // One-cycle over the whole budget: up to lrMax (2e-3, tiny's default) at 30 % of the
    // training time, then down to far below it at the end.
    const lrs = rates.map((x) => x.lr);
    const peak = lrs.indexOf(Math.max(...lrs));
    t.diagnostic(`${seconds.toFixed(2)} s, ${stepsRun} of ${r.plan.totalSteps} steps, peak at ${rates[peak].seconds.toFixed(2)} s, ${r.plan.replans} re-plans`);
    assert.ok(rates[peak].seconds > 0.2 * 18 && rates[peak].seconds < 0.4 * 18, `peak at ${rates[peak].seconds} s`);
    assert.ok(Math.abs(lrs[peak] - 2e-3) < 1e-4 && lrs[0] < 2e-3 / 2, `${lrs[0]} .. ${lrs[peak]}`);
    for (let i = 1; i < lrs.length; i++) assert.ok(i <= peak ? lrs[i] >= lrs[i - 1] : lrs[i] <= lrs[i - 1], `rate not one-cycle at step ${i}`);
    assert.ok(lrs[lrs.length - 1] < 2e-3 / 20, `last rate ${lrs[lrs.length - 1]}`);
    const card = readModelCard(out)!;
    const training = card.training as { plan: TrainingPlan; budgetUsedSeconds: number; steps: number; stoppedOnTime: boolean };
    assert.deepEqual(training.plan, JSON.parse(JSON.stringify(r.plan)));
    assert.equal(training.steps, stepsRun);
    assert.equal(training.stoppedOnTime, r.stoppedOnTime);
    assert.ok(training.budgetUsedSeconds > 0.8 * 18 && training.budgetUsedSeconds <= seconds, `budget used ${training.budgetUsedSeconds} of ${seconds} s`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("a budget run aborted in epoch 2 resumes its plan and stays within the budget's remaining time", async () => {
  const out = tmp();
  try {
    const controller = new AbortController();
    const t0 = performance.now();
    const r1 = await train({ ...BUDGET, outDir: out, signal: controller.signal, callbacks: { onStep: (e) => e.epoch === 2 && controller.abort() } });
    const first = (performance.now() - t0) / 1000;
    assert.equal(r1.interrupted, true);
    assert.equal(r1.epochsCompleted, 1);
    const used = (readModelCard(out)!.training as { budgetUsedSeconds: number }).budgetUsedSeconds;
    assert.ok(used <= first, `${used} s used by epoch 1 of a ${first} s run`);
    let began: ProgressEvent | null = null;
    const t1 = performance.now();
    // budgetMinutes stays in the options: a resumed run keeps its stored plan, not a new one.
    const r2 = await train({ ...BUDGET, outDir: out, resume: true, onProgress: (e) => e.type === "start" && (began = e) });
    const second = (performance.now() - t1) / 1000;
    // The stored plan continues: its epochs, budget and measurements (steps re-planned as it goes).
    for (const k of ["epochs", "budgetSeconds", "kind", "coverSteps", "measured"] as const) assert.deepEqual(r2.plan[k], r1.plan[k], k);
    assert.deepEqual(began, { type: "start", epochs: r1.plan.epochs, stepsPerEpoch: r1.plan.stepsPerEpoch, startEpoch: 1, parameters: (began as unknown as { parameters: number }).parameters, backend: "wasm", budgetSeconds: 18 });
    assert.equal(r2.startEpoch, 1);
    assert.deepEqual(r2.history.map((h) => h.epoch), Array.from({ length: r2.epochsCompleted }, (_, i) => i + 1));
    assert.ok(r2.epochsCompleted === r1.plan.epochs || r2.stoppedOnTime, `${r2.epochsCompleted} of ${r1.plan.epochs} epochs`);
    assert.ok(second <= 1.1 * (18 - used) + 1, `resumed run took ${second.toFixed(2)} s of the ${(18 - used).toFixed(2)} s left`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("the named events come in order; onProgress is the same stream as before", async () => {
  const out = tmp();
  try {
    const names: string[] = [];
    const progress: string[] = [];
    const log = (name: string) => () => names.push(name);
    const r = await train({
      ...BUDGET,
      budgetMinutes: undefined,
      epochs: 2,
      stepsPerEpoch: 2,
      outDir: out,
      calibration: "none",
      onProgress: (e) => progress.push(e.type),
      callbacks: {
        onTrainBegin: log("begin"),
        onEpochBegin: log("epochBegin"),
        onStep: log("step"),
        onValidate: log("validate"),
        onCheckpoint: log("checkpoint"),
        onEpochEnd: log("epochEnd"),
        onTrainEnd: log("end"),
      },
    });
    assert.equal(r.plan.kind, "fixed");
    assert.equal(r.plan.budgetSeconds, null);
    const epoch = ["epochBegin", "step", "step", "validate", "checkpoint", "epochEnd"];
    assert.deepEqual(names, ["begin", ...epoch, ...epoch, "end"]);
    assert.deepEqual(progress, ["start", "step", "step", "epoch", "step", "step", "epoch"]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("planBudget fits epochs x (steps x step time + per-epoch work) into the time left, and honours given epochs or steps", () => {
  const speeds = { stepSeconds: 0.1, pairSeconds: 0.5, validationSeconds: 0.3, checkpointSeconds: 0.2, finishSeconds: 2 };
  // 600 s budget, 10 s spent, 4 warm-up steps: 600 - 10 - 2 + 0.4 + 0.5 = 588.9 s for epochs of (s x 0.1 + 1) s.
  const base = { budgetSeconds: 600, spentSeconds: 10, warmupSteps: 4, speeds, coverSteps: 200 };
  assert.deepEqual(planBudget(base), { epochs: 28, stepsPerEpoch: 200 }); // floor(588.9 / 21)
  assert.deepEqual(planBudget({ ...base, coverSteps: 5000 }), { epochs: 4, stepsPerEpoch: 1462 }); // floor((588.9 / 4 - 1) / 0.1)
  // Small data: epochs longer than one pass, so that 1 s of per-epoch work is 10 % of an epoch (90 steps).
  assert.deepEqual(planBudget({ ...base, coverSteps: 10 }), { epochs: 58, stepsPerEpoch: 90 }); // floor(588.9 / 10)
  assert.deepEqual(planBudget({ ...base, epochs: 5 }), { epochs: 5, stepsPerEpoch: 1167 }); // floor((588.9 - 5) / 0.5)
  assert.deepEqual(planBudget({ ...base, stepsPerEpoch: 50 }), { epochs: 98, stepsPerEpoch: 50 }); // floor(588.9 / 6)
  // Too little time for 4 epochs of the warm-up's length: as many as fit, at least 1.
  assert.deepEqual(planBudget({ ...base, budgetSeconds: 16 }), { epochs: 3, stepsPerEpoch: 4 }); // floor(4.9 / 1.4)
  assert.deepEqual(planBudget({ ...base, budgetSeconds: 11 }), { epochs: 1, stepsPerEpoch: 4 });
});

test("an epoch covers the data: the patches the images hold over the batch; preset defaults fit the model's multiple", () => {
  const plane = (h: number, w: number) => ({ data: new Float32Array(h * w), height: h, width: w });
  const srcs: SourceImage[] = [{ name: "a", hr: [plane(100, 70)] }, { name: "b", hr: [plane(64, 64), plane(64, 64)] }];
  // 100x70 holds 3x2 patches of 32 px; each 64x64 plane 2x2.
  assert.equal(patchesHeld(srcs, 32), 6 + 4 + 4);
  assert.equal(stepsToCoverData(srcs, 32, 4), 4);
  assert.equal(stepsToCoverData(srcs, 128, 4), 1);
  assert.deepEqual(presetTrainingDefaults(modelSpec({ preset: "tiny", scale: 4 })), { patchPx: 96, batchSize: 8, learningRate: 2e-3 });
  assert.deepEqual(presetTrainingDefaults(modelSpec({ preset: "pssr", scale: 4 })), { patchPx: 128, batchSize: 4, learningRate: 1e-3 });
  for (const preset of ["tiny", "small", "pssr"]) {
    for (const scale of [1, 2, 4, 8]) {
      const spec = modelSpec({ preset, scale });
      assert.equal(presetTrainingDefaults(spec).patchPx % (scale * inputMultiple(spec)), 0, `${preset} x${scale}`);
    }
  }
});

test("the not-better-than-bilinear warning names both figures, and is silent for a model better on both", () => {
  const m = { loss: 0.1, psnr: 20.5, ssim: 0.41, bilinearPsnr: 20.8, bilinearSsim: 0.4 };
  const w = notBetterThanBilinear(m, 3)!;
  assert.match(w, /epoch 3\) is not better than bilinear upsampling on validation PSNR: PSNR 20\.50 dB vs bilinear 20\.80 dB, SSIM 0\.410 vs bilinear 0\.400/);
  assert.match(notBetterThanBilinear({ ...m, psnr: 21, ssim: 0.39 }, 1)!, /validation SSIM: /);
  assert.equal(notBetterThanBilinear({ ...m, psnr: 21 }, 1), null);
});

test("an ensemble shares its budget: each member plans for budget / n and the whole stays within it", async () => {
  const out = tmp();
  try {
    const t0 = performance.now();
    const e = await trainEnsemble({ ...BUDGET, budgetMinutes: 0.2, outDir: out }, 2);
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(e.interrupted, false);
    assert.deepEqual(e.results.map((r) => r.plan.budgetSeconds), [6, 6]);
    assert.ok(seconds <= 12 * 1.1, `the ensemble took ${seconds.toFixed(2)} s of a 12 s budget`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
