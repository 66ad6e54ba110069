// Standalone HTML reports: `pssr report --demo-dir` and writeWidgetReport() write one file
// that renders offline in Chromium (file://, every network request refused) with no console
// errors; and the prebuilt JupyterLab extension's output is complete (package.json with
// jupyterlab._build, the remote entry, @jupyter-widgets/base consumed as a shared singleton
// that is not bundled) and `pssr kernel install --prefix` puts it where JupyterLab looks.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { BrowserContext } from "playwright-core";
import { repoRoot, runCli, samplesDir } from "../helpers.js";
import { getPlane } from "../../src/image/image.js";
import { upsampleBilinear } from "../../src/image/resize.js";
import { readImage } from "../../src/io/read.js";
import { CrappifierTuner, ErrorMap, FRCPlot, ImageCompare, Kymograph, TrainingMonitor, pyramidCrop, writeWidgetReport } from "../../src/widgets/index.js";
import { artifactsDir, ensureWidgetBundle, launchBrowser } from "./harness.js";

const work = mkdtempSync(join(tmpdir(), "pssr-widgets-report-"));
let browser: BrowserContext;

interface RenderCheck {
  rendered: number;
  errors: string[];
  requests: string[];
  blankCanvases: number;
  canvases: number;
  plots: number;
}

async function renderFile(file: string, screenshot: string, expected: number): Promise<RenderCheck> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => document.body.dataset.widgetsRendered || document.body.dataset.widgetsError, null, { timeout: 60_000 });
  await page.waitForFunction((n) => document.querySelectorAll(".pssr-widget[data-draws]").length >= n, expected, { timeout: 30_000 });
  const check = await page.evaluate(() => {
    const canvases = Array.from(document.querySelectorAll("canvas.pssr-canvas")) as HTMLCanvasElement[];
    let blank = 0;
    for (const c of canvases) {
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < d.length; i += 4) {
        lo = Math.min(lo, d[i] + d[i + 1] + d[i + 2]);
        hi = Math.max(hi, d[i] + d[i + 1] + d[i + 2]);
      }
      if (hi - lo < 30) blank++;
    }
    return {
      rendered: Number(document.body.dataset.widgetsRendered ?? -1),
      error: document.body.dataset.widgetsError ?? null,
      canvases: canvases.length,
      blankCanvases: blank,
      plots: Array.from(document.querySelectorAll(".pssr-plot")).filter((p) => p.querySelector(".scatterlayer path.js-line")).length,
    };
  });
  await page.screenshot({ path: join(artifactsDir, screenshot), fullPage: true });
  await page.close();
  assert.equal(check.error, null);
  return { rendered: check.rendered, errors, requests, blankCanvases: check.blankCanvases, canvases: check.canvases, plots: check.plots };
}

describe("widget reports in Chromium, and the JupyterLab extension build", { timeout: 200_000 }, () => {
  before(async () => {
    ensureWidgetBundle();
    browser = await launchBrowser(join(work, "profile"));
  });

  after(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test("pssr report --demo-dir writes one HTML file that renders offline with no console errors", async () => {
    const demo = join(work, "demo");
    const d = runCli(["demo", "--out", demo], { env: { PSSR_QUICK: "1" } });
    assert.equal(d.status, 0, d.stderr);
    const out = join(work, "report.html");
    const r = runCli(["report", "--demo-dir", demo, "-o", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*report\.html \(6 widgets\)/);
    const html = readFileSync(out, "utf8");
    // One copy of the front end for all widgets, state and bundle gzip-packed: the quick demo's
    // report was 8.5 MB with the bundle (full plotly) and base64 state inlined as text.
    const size = statSync(out).size;
    console.log(`quick demo report.html: ${(size / 1e6).toFixed(2)} MB`);
    assert.ok(size <= 8.5e6 / 3, `report.html is ${size} bytes`);
    assert.equal(html.match(/id="pssr-bundle-gz"/g)?.length, 1);
    assert.ok(!/<script[^>]+src=/.test(html), "no external scripts");
    assert.ok(!/https?:\/\/cdn/.test(html.slice(0, 200_000)), "no CDN");
    const c = await renderFile(out, "report-demo.png", 6);
    assert.equal(c.rendered, 6);
    assert.deepEqual(c.errors, []);
    assert.deepEqual(c.requests, []);
    assert.ok(c.canvases >= 8, `${c.canvases} canvases`);
    assert.equal(c.blankCanvases, 0);
    assert.equal(c.plots, 2);
  });

  test("pssr report names what is wrong", () => {
    const r = runCli(["report", "--demo-dir", join(work, "nope")]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /metrics\.json.*pssr demo/);
    const r2 = runCli(["report"]);
    assert.notEqual(r2.status, 0);
    assert.match(r2.stderr, /--demo-dir is required/);
  });

  test("writeWidgetReport: all six widgets made in plain node render offline", async () => {
    const liver = getPlane(await readImage(join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif")));
    const lr = pyramidCrop(liver, 4);
    const cells = await readImage(join(samplesDir, "fluo", "cancer_cell_migration_crop_48x130x130.tif"));
    const clean = await readImage(join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean", "pair1_gt_clean.tif"));
    const noisy = await readImage(join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean", "pair1_input_noisy.tif"));
    const mon = new TrainingMonitor({ sendIntervalMs: 0 });
    for (let e = 1; e <= 3; e++) {
      mon.update({ epoch: e, step: e * 10, loss: 1 / e, lr: 1e-3 / e, valPsnr: 20 + e, valSsim: 0.5 + e / 10, bilinearPsnr: 20, bilinearSsim: 0.5 });
    }
    mon.setPreview(liver);
    mon.finish("done");
    const widgets = [
      new ImageCompare([{ name: "lr", image: lr }, { name: "hr", image: liver }], { mode: "swipe" }),
      new ErrorMap(lr, upsampleBilinear(lr, 4)),
      new FRCPlot([{ name: "hr", image: liver }]),
      new Kymograph([{ name: "cells", stack: cells }], { polyline: [[10, 20], [110, 90]] }),
      new CrappifierTuner(clean, noisy, { scaleFactor: 1, previewPx: 256 }),
      mon,
    ];
    await (widgets[4] as CrappifierTuner).settled();
    const out = join(work, "all.html");
    await writeWidgetReport(widgets.map((w) => ({ widget: w, heading: w.constructor.name })), out, { title: "all widgets" });
    // and uncompressed: the plain widget-state element other tools can read
    const plain = join(work, "all-plain.html");
    await writeWidgetReport(widgets.map((w) => ({ widget: w, heading: w.constructor.name })), plain, { title: "all widgets", compress: false });
    assert.ok(statSync(out).size < statSync(plain).size / 2, `${statSync(out).size} vs ${statSync(plain).size} bytes`);
    for (const [file, png] of [[out, "report-all-widgets.png"], [plain, "report-all-widgets-plain.png"]]) {
      const c = await renderFile(file, png, 6);
      assert.equal(c.rendered, 6);
      assert.deepEqual(c.errors, []);
      assert.deepEqual(c.requests, []);
      assert.equal(c.blankCanvases, 0);
      assert.equal(c.plots, 4);
    }
  });

  test("the prebuilt JupyterLab extension is complete and pssr kernel install copies it", () => {
    const ext = join(repoRoot, "widgets", "labextension");
    if (!existsSync(join(ext, "package.json"))) {
      const b = spawnSync(process.execPath, [join(repoRoot, "widgets", "build.mjs")], { encoding: "utf8" });
      assert.equal(b.status, 0, b.stdout + b.stderr);
    }
    const pkg = JSON.parse(readFileSync(join(ext, "package.json"), "utf8"));
    assert.equal(pkg.name, "pssr-lab-widgets");
    assert.deepEqual(pkg.jupyterlab.sharedPackages["@jupyter-widgets/base"], { bundled: false, singleton: true });
    const load: string = pkg.jupyterlab._build.load;
    assert.match(load, /^static\/remoteEntry\.[0-9a-f]+\.js$/);
    assert.equal(pkg.jupyterlab._build.extension, "./extension");
    const entry = readFileSync(join(ext, load), "utf8");
    // Module federation container named after the package, exposing ./extension ...
    assert.ok(entry.includes('"pssr-lab-widgets"') && entry.includes('"./extension"'), "container name and exposed module");
    // ... and consuming @jupyter-widgets/base from the shared scope: singleton, no bundled fallback.
    const base = /shareKey:"@jupyter-widgets\/base",import:(null|!1|false),requiredVersion:"\^6[^"]*",strictVersion:[^,]+,singleton:!0,eager:!1,fallback:void 0/.exec(entry);
    assert.ok(base, "@jupyter-widgets/base is consumed as a shared singleton without a bundled copy");
    const chunks = readdirSync(join(ext, "static")).filter((f) => f.endsWith(".js"));
    const ours = chunks.map((f) => readFileSync(join(ext, "static", f), "utf8")).find((t) => t.includes("ImageCompareView") && t.includes("IJupyterWidgetRegistry"));
    assert.ok(ours, "a chunk holds the views and the plugin registering them");
    const prefix = join(work, "prefix");
    const r = runCli(["kernel", "install", "--prefix", prefix, "--name", "pssr-ext-test"]);
    assert.equal(r.status, 0, r.stderr);
    const installed = join(prefix, "share", "jupyter", "labextensions", "pssr-lab-widgets");
    assert.ok(existsSync(join(installed, "package.json")) && existsSync(join(installed, load)), `installed at ${installed}`);
  });
});
