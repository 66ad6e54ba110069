// The four notebooks, executed top to bottom by Debian's nbconvert with the project's kernel in
// quick mode (PSSR_QUICK=1), in order (each reads what the one before wrote). A cell error fails
// the run; the executed outputs are then checked for the displays and results each notebook
// promises: widget views with their saved state, PNG images, metric tables, printed numbers,
// and the files written (recipe JSON, model directories with cards).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { repoRoot } from "../helpers.js";
import { countBy, createWorkspace, displayedWidgets, errorsOf, execute, failure, printed, text, withMime, type Notebook, type Workspace } from "./harness.js";

let ws: Workspace;
const timings: Record<string, number> = {};

function run(name: string): Notebook {
  const ex = execute(ws, `${name}.ipynb`);
  timings[name] = ex.seconds;
  console.log(`# ${name}: ${ex.seconds.toFixed(1)} s`);
  assert.equal(ex.status, 0, failure(name, ex));
  assert.ok(ex.notebook, `no executed copy of ${name}`);
  assert.deepEqual(errorsOf(ex.notebook), [], `${name} has error outputs`);
  // Every code cell ran (nbconvert stops at the first error; this also catches skipped cells).
  for (const [i, c] of ex.notebook.cells.entries()) if (c.cell_type === "code") assert.ok(typeof c.execution_count === "number", `${name} cell ${i} did not run`);
  return ex.notebook;
}

function markdownTables(nb: Notebook): string[] {
  return withMime(nb, "text/markdown")
    .map((o) => text(o.data!["text/markdown"]))
    .filter((t) => /^\|.*\|\n\|[-| ]+\|/m.test(t));
}

/** Numeric cells of the data rows of a markdown table (header and rule skipped). */
function tableRows(table: string): string[][] {
  return table
    .trim()
    .split("\n")
    .slice(2)
    .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
}

describe("notebooks run headless with the pssr-lab kernel (quick mode)", { concurrency: false }, () => {
  before(() => {
    ws = createWorkspace("pssr-notebooks-", "pssr-ts-nbtest");
  });

  after(() => {
    console.log(`# notebook run times (s): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`);
    ws?.dispose();
  });

  test("01-crappify: recipes, dose table, calibration, CrappifierTuner, saved recipe", { timeout: 600_000 }, () => {
    const nb = run("01-crappify");
    const widgets = displayedWidgets(nb);
    const kinds = countBy(widgets, (w) => w.modelName);
    assert.ok((kinds.ImageCompareModel ?? 0) >= 4, JSON.stringify(kinds));
    assert.equal(kinds.CrappifierTunerModel, 1, JSON.stringify(kinds));
    assert.ok(withMime(nb, "image/png").length >= 2, "static PNG pictures");
    const tables = markdownTables(nb);
    const recipes = tables.find((t) => t.includes("| recipe |"));
    assert.ok(recipes, "the recipe table");
    for (const name of ["pssr-em", "pssr-fluo", "physical"]) assert.ok(recipes.includes(`\`${name}\``), name);
    // The dose table: bilinear PSNR falls as the dose falls (the triangle of compromise).
    const dose = tables.find((t) => t.includes("| dose factor |"));
    assert.ok(dose, "the dose table");
    const psnrs = tableRows(dose).map((r) => Number(r[2]));
    assert.equal(psnrs.length, 3);
    assert.ok(psnrs[0] > psnrs[1] && psnrs[1] > psnrs[2], `PSNR by dose ${psnrs}`);
    const out = printed(nb);
    assert.match(out, /fitted detector: gain [\d.]+ ADU\/photon/);
    // The saved recipe is what the tuner ended on (its widget state, synced through comm messages).
    const recipe = JSON.parse(readFileSync(join(ws.runs, "em-recipe.json"), "utf8"));
    assert.equal(recipe.name, "physical");
    assert.equal(recipe.scaleFactor, 4);
    const tuner = widgets.find((w) => w.modelName === "CrappifierTunerModel")!;
    assert.equal(tuner.state.params.hrPhotonsAtMax, recipe.params.hrPhotonsAtMax);
    assert.equal(tuner.state.params.backgroundPhotons, recipe.params.backgroundPhotons);
    // The preview on screen was rendered with those parameters, beside the real image's noise curve.
    assert.equal(tuner.state.rendered_params.hrPhotonsAtMax, recipe.params.hrPhotonsAtMax);
    assert.ok(tuner.state.real_curve.length >= 3, "the real acquisition's noise curve");
  });

  test("02-train: TrainingMonitor curves, stop + resume, ensemble member, 5-frame model, cards", { timeout: 600_000 }, () => {
    const nb = run("02-train");
    const monitors = displayedWidgets(nb).filter((w) => w.modelName === "TrainingMonitorModel");
    assert.equal(monitors.length, 4);
    for (const m of monitors) {
      assert.ok(m.state.loss.length > 0, `${m.state.title}: loss curve`);
      assert.ok(m.state.val_psnr.length > 0 && m.state.bilinear_psnr.length === m.state.val_psnr.length, `${m.state.title}: validation curves`);
      assert.equal(m.state.running, false);
    }
    // The first run was stopped after one epoch (the stop button), the second resumed it.
    assert.equal(monitors[0].state.stop_requested, true);
    assert.equal(monitors[0].state.val_epochs.length, 1);
    assert.ok(monitors[0].state.preview, "the monitor shows a prediction");
    assert.deepEqual(monitors[1].state.val_epochs, [2, 3]);
    const out = printed(nb);
    assert.match(out, /interrupted: true; epochs completed: 1; checkpoint: true/);
    assert.match(out, /best validation PSNR [\d.]+ dB \(bilinear [\d.]+ dB\)/);
    const history = markdownTables(nb).find((t) => t.includes("| epoch |"));
    assert.ok(history);
    assert.deepEqual(tableRows(history).map((r) => Number(r[0])), [1, 2, 3]);
    const cards = ["em-tiny", "em-tiny-seed2", "fluo-tiny-5frames"].map((d) => JSON.parse(readFileSync(join(ws.runs, d, "card.json"), "utf8")));
    assert.deepEqual(cards.map((c) => c.frames), [1, 1, 5]);
    assert.deepEqual(cards.map((c) => c.scale), [4, 4, 4]);
    assert.equal(cards[0].training.epochs, 3);
    assert.equal(cards[0].recipe.name, "physical");
    assert.equal(cards[2].recipe, "pssr-fluo");
    for (const d of ["em-tiny", "em-tiny-seed2", "fluo-tiny-5frames"]) assert.ok(existsSync(join(ws.runs, d, "weights.bin")), d);
  });

  test("03-evaluate: ImageCompare, metrics table, FRC plots, error maps, ensemble, real acquisition", { timeout: 600_000 }, () => {
    const nb = run("03-evaluate");
    const kinds = countBy(displayedWidgets(nb), (w) => w.modelName);
    assert.ok((kinds.ImageCompareModel ?? 0) >= 3, JSON.stringify(kinds));
    // The bundled pretrained model adds its table and FRC plot; without it the notebook says so and goes on.
    const bundled = existsSync(join(repoRoot, "models", "pssr-em-4x", "model.json"));
    assert.equal(kinds.FRCPlotModel, bundled ? 3 : 2, JSON.stringify(kinds));
    assert.equal(kinds.ErrorMapModel, 3, JSON.stringify(kinds));
    assert.ok(withMime(nb, "image/png").length >= 2);
    const metrics = markdownTables(nb).find((t) => t.includes("| method |"));
    assert.ok(metrics, "metrics table");
    const rows = tableRows(metrics);
    assert.equal(rows.length, 8, "2 images x 4 methods");
    for (const r of rows) {
      const [psnr, ssim] = [Number(r[2]), Number(r[3])];
      assert.ok(Number.isFinite(psnr) && psnr > 5 && psnr < 60, `PSNR ${r}`);
      assert.ok(ssim > -1 && ssim <= 1, `SSIM ${r}`);
    }
    const out = printed(nb);
    assert.match(out, /model\s+mean PSNR [\d.]+ dB, mean SSIM [\d.]+/);
    assert.match(out, /model: +RSE [\d.]+, RSP [\d.]+/);
    assert.match(out, /correlation of ensemble disagreement with the actual error: -?[\d.]+ \(Spearman, 8x8 blocks; AUC of the worst 10 % [\d.]+\)/);
    for (const m of ["D \\(bits\\)", "std of members", "mean Laplace scale"]) assert.match(out, new RegExp(`${m} +vs actual error: Spearman -?[\\d.]+, AUC \\(worst 10 % of \\d+ blocks\\) [\\d.]+`));
    const coverage = markdownTables(nb).find((t) => t.includes("| P | raw coverage | calibrated coverage |"));
    assert.ok(coverage, "coverage table");
    assert.equal(tableRows(coverage).length, 4);
    assert.ok(withMime(nb, "image/svg+xml").length >= 1, "reliability diagram");
    assert.match(out, /patch_2_3: SQUIRREL RSP model [\d.]+ vs bilinear [\d.]+/);
    if (bundled) {
      const pre = markdownTables(nb).find((t) => t.includes("| restoration |"));
      assert.ok(pre && tableRows(pre).length === 6, "2 images x (bilinear, notebook 2's model, pssr-em-4x)");
      assert.match(out, /pssr-em-4x \(two noise draws\) +FRC resolution/);
    } else assert.match(out, /pssr-em-4x is not bundled in this installation \(pssr models lists what is\): skipping this comparison/);
  });

  test("04-validate: counts vs annotators, Kymograph, cautions", { timeout: 600_000 }, () => {
    const nb = run("04-validate");
    const widgets = displayedWidgets(nb);
    const kymo = widgets.filter((w) => w.modelName === "KymographModel");
    assert.equal(kymo.length, 1);
    assert.equal(kymo[0].state.kymographs.length, 3, "LR, restored and HR kymographs");
    assert.ok((countBy(widgets, (w) => w.modelName).ImageCompareModel ?? 0) >= 3);
    assert.ok(withMime(nb, "image/png").length >= 2);
    const counts = markdownTables(nb).find((t) => t.includes("| frame |"));
    assert.ok(counts);
    for (const r of tableRows(counts)) for (const v of r) assert.ok(Number.isFinite(Number(v)), `count table cell ${v}`);
    const out = printed(nb);
    assert.match(out, /restored: +precision [\d.]+, recall [\d.]+/);
    assert.match(out, /annotator B: precision [\d.]+, recall [\d.]+/);
    assert.match(out, /warning: the input's pixel size \(200 nm\) differs from the 400 nm/);
    assert.match(out, /restored \/ high-res mean intensity over \d+ nuclei/);
  });
});
