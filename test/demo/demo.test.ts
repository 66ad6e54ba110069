// `pssr demo` end to end: runs the built CLI in a temp folder (quick mode, as CI does), then
// recomputes every metric it reports from the files it wrote, with tifffile + scikit-image
// (test/ref/demo_check.py), and opens its interactive report in Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, runCli, runPython, samplesDir } from "../helpers.js";
import { ensureWidgetBundle, launchBrowser } from "../widgets/harness.js";

test("pssr demo trains, restores, evaluates and reports; scikit-image reproduces its numbers; the report renders in Chromium", { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-demo-"));
  try {
    ensureWidgetBundle();
    const out = join(dir, "out");
    // An empty models folder: the demo runs without a bundled pretrained model, and says so.
    mkdirSync(join(dir, "no-models"));
    const r = runCli(["demo", "--out", out, "--seed", "3"], { env: { PSSR_QUICK: "1", PSSR_MODELS_DIR: join(dir, "no-models") } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no pretrained model pssr-em-4x in .*no-models: skipping its column/);
    assert.match(r.stdout, /What the numbers mean:\n- PSNR \(dB\)[^\n]*\n- SSIM[^\n]*\n- FRC[^\n]*\n- Why FRC and PSNR can disagree/);
    assert.match(r.stdout, /PSNR \(dB\)/);
    assert.match(r.stdout, /pssr-tiny/);
    assert.match(r.stdout, /report: +.*report\.html/);
    // Progress on stderr from the first line (before the backend starts), then the training steps with an ETA.
    const progress = r.stderr.split("\n").filter((l) => !/already registered/.test(l));
    assert.match(progress[0], /^pssr demo: starting the compute backend/);
    assert.match(r.stderr, /^training: 1\/12 8% ETA (\d+ s|\d+:\d\d)  epoch 1\/2 loss [\d.]+$/m);
    assert.doesNotMatch(r.stdout, /^training:/m, "stdout is the result only");
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    assert.equal(metrics.seed, 3);
    assert.equal(metrics.quick, true);
    assert.ok(metrics.training && metrics.training.epochs === 2, JSON.stringify(metrics.training));
    // the model directory holds weights and a card naming the data it was trained on
    const card = JSON.parse(readFileSync(join(out, "model", "card.json"), "utf8"));
    assert.equal(card.scale, 4);
    assert.equal(card.preset, "tiny");
    const reference = JSON.parse(runPython("demo_check.py", [out, samplesDir]));
    let compared = 0;
    for (const row of metrics.rows as { image: string; method: string; psnr: number; ssim: number; nrmse: number }[]) {
      const ref = reference[`${row.image}/${row.method}`];
      assert.ok(ref, `no reference for ${row.image}/${row.method}`);
      assert.ok(Math.abs(row.psnr - ref.psnr) < 1e-4, `${row.image}/${row.method} PSNR ${row.psnr} vs skimage ${ref.psnr}`);
      assert.ok(Math.abs(row.ssim - ref.ssim) < 1e-4, `${row.image}/${row.method} SSIM ${row.ssim} vs skimage ${ref.ssim}`);
      assert.ok(Math.abs(row.nrmse - ref.nrmse) < 1e-4, `${row.image}/${row.method} NRMSE ${row.nrmse} vs skimage ${ref.nrmse}`);
      compared++;
    }
    assert.equal(compared, 6);
    const summary = readFileSync(join(out, "summary.html"), "utf8");
    assert.equal((summary.match(/<img /g) ?? []).length, 2 * 5);
    assert.ok(!readdirSync(out).some((f) => f.endsWith(".tmp")), "no temporary files left behind");

    // The interactive report, offline in Chromium: every widget view renders, nothing is fetched,
    // no console errors.
    const browser = await launchBrowser(join(dir, "profile"));
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(`file://${join(out, "report.html")}`);
      await page.waitForFunction(() => document.body.dataset.widgetsRendered || document.body.dataset.widgetsError, null, { timeout: 60_000 });
      const state = await page.evaluate(() => ({
        rendered: Number(document.body.dataset.widgetsRendered ?? -1),
        error: document.body.dataset.widgetsError ?? null,
        rows: document.querySelectorAll("table.metrics tbody tr").length,
      }));
      const artifacts = join(repoRoot, "test-artifacts", "demo");
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "demo-report.png"), fullPage: true });
      assert.equal(state.error, null);
      assert.equal(state.rendered, 6);
      assert.equal(state.rows, 6);
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, []);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pssr demo restores the held-out crops with a named pretrained model (from the models folder) beside the baselines; scikit-image reproduces its numbers", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-demo-"));
  try {
    // A stand-in for the bundled model, trained here in seconds into a private models folder, on one
    // of the demo's held-out images: the demo must not score it there (its card's sha256 says so).
    const models = join(dir, "models");
    const t = runCli(["train", "--hr", join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif"), "--out", join(models, "pssr-em-4x"), "--epochs", "1", "--steps", "2", "--quiet"]);
    assert.equal(t.status, 0, t.stderr);
    const out = join(dir, "out");
    const r = runCli(["demo", "--out", out, "--no-train"], { env: { PSSR_MODELS_DIR: models } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /pssr-em-4x was trained on em\/emdiffuse_demo\/mouse_liver_1\.tif: it is left out of that image's comparison/);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    assert.equal(metrics.pretrained, "pssr-em-4x");
    assert.deepEqual(
      metrics.rows.map((x: { image: string; method: string }) => `${x.image}/${x.method}`),
      ["microns_mouse_cortex_1/bilinear", "microns_mouse_cortex_1/bicubic", "microns_mouse_cortex_1/pssr-em-4x", "mouse_liver_1/bilinear", "mouse_liver_1/bicubic"],
    );
    const reference = JSON.parse(runPython("demo_check.py", [out, samplesDir]));
    assert.deepEqual(Object.keys(reference).sort(), metrics.rows.map((x: { image: string; method: string }) => `${x.image}/${x.method}`).sort());
    for (const row of metrics.rows as { image: string; method: string; psnr: number; ssim: number }[]) {
      const ref = reference[`${row.image}/${row.method}`];
      assert.ok(Math.abs(row.psnr - ref.psnr) < 1e-4 && Math.abs(row.ssim - ref.ssim) < 1e-4, `${row.image}/${row.method}: ${row.psnr}/${row.ssim} vs skimage ${ref.psnr}/${ref.ssim}`);
    }
    assert.match(readFileSync(join(out, "summary.html"), "utf8"), /bundled pretrained model pssr-em-4x/);
    // --pretrained none: baselines only.
    const none = runCli(["demo", "--out", join(dir, "out2"), "--no-train", "--pretrained", "none", "--quiet"], { env: { PSSR_MODELS_DIR: models } });
    assert.equal(none.status, 0, none.stderr);
    assert.deepEqual([...new Set(JSON.parse(readFileSync(join(dir, "out2", "metrics.json"), "utf8")).rows.map((x: { method: string }) => x.method))], ["bilinear", "bicubic"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pssr demo refuses a bad seed with one clear line and writes nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-demo-"));
  try {
    const out = join(dir, "out");
    const r = runCli(["demo", "--out", out, "--seed", "abc"]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /--seed must be a number/);
    assert.ok(!existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
