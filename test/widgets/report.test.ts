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
import { python, repoRoot, runCli, samplesDir } from "../helpers.js";
import { runDemo } from "../../src/demo/pipeline.js";
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

  test("pssr report --model: the coverage of a Laplace model's intervals on the held-out images, as numpy measures it from pssr predict's intervals; the plot in Chromium", { timeout: 300_000 }, async () => {
    // A demo folder with the baselines only (fast), and a real, briefly trained 4x Laplace model.
    const demo = join(work, "demo-cov");
    await runDemo({ outDir: demo, trainModel: false, log: () => {} });
    const model = join(work, "laplace");
    const em = join(samplesDir, "em", "emdiffuse_demo");
    const t = runCli(["train", "--hr", join(em, "microns_mouse_cortex_0.tif"), "--hr", join(em, "mouse_liver_0.tif"), "--out", model, "--arch", "care", "--probabilistic", "--scale", "4", "--epochs", "2", "--steps", "4", "--batch", "4", "--patch", "48", "--seed", "3", "--quiet"]);
    assert.equal(t.status, 0, t.stderr);
    const out = join(work, "coverage.html");
    const r = runCli(["report", "--demo-dir", demo, "--model", model, "-o", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*coverage\.html \(8 widgets\)/);
    assert.match(r.stdout, /not a guarantee.*never for intensity quantification/);
    const parse = (label: string) => Object.fromEntries([...new RegExp(`${label}:\\s+(.*)`).exec(r.stdout)![1].matchAll(/([\d.]+): ([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
    const raw = parse("raw scales");
    const calibrated = parse("calibrated");
    // The reference: pssr predict's own interval files (calibrated, and --uncalibrated), the truth
    // mapped into the output's units with numpy's percentiles, coverage counted by numpy.
    const names = ["microns_mouse_cortex_1", "mouse_liver_1"];
    const files: string[] = [];
    for (const [p, flags] of [["0.9", []], ["0.5", ["--uncalibrated"]]] as const) {
      for (const name of names) {
        const base = join(work, `${name}-${p}`);
        const pr = runCli(["predict", model, join(demo, `${name}_lr.tif`), "-o", `${base}-mean.tif`, "--interval", p, "--lower", `${base}-lo.tif`, "--upper", `${base}-hi.tif`, ...flags, "--quiet"]);
        assert.equal(pr.status, 0, pr.stderr);
        files.push(join(em, `${name}.tif`), join(demo, `${name}_lr.tif`), `${base}-lo.tif`, `${base}-hi.tif`);
      }
    }
    const py = `
import sys, json, numpy as np, tifffile
f = sys.argv[1:]
def cov(group):
    inside = n = 0
    for hr, lr, lo, hi in group:
        hr = tifffile.imread(hr).astype(np.float64); lr = tifffile.imread(lr).astype(np.float64)
        tl, th = np.percentile(hr, [2, 99.8]); low, high = np.percentile(lr, [2, 99.8])
        truth = (hr - tl) / (th - tl) * (high - low) + low
        lo = tifffile.imread(lo); hi = tifffile.imread(hi)
        inside += int(np.sum((truth >= lo) & (truth <= hi))); n += truth.size
    return inside / n
q = [f[i:i + 4] for i in range(0, len(f), 4)]
print(json.dumps({"calibrated_0.9": cov(q[0:2]), "raw_0.5": cov(q[2:4])}))`;
    const ref = spawnSync(python, ["-c", py, ...files], { encoding: "utf8" });
    assert.equal(ref.status, 0, ref.stderr);
    const want = JSON.parse(ref.stdout);
    console.log(`coverage, report vs numpy: calibrated P=0.9 ${calibrated["0.9"]} vs ${want["calibrated_0.9"].toFixed(4)}, raw P=0.5 ${raw["0.5"]} vs ${want["raw_0.5"].toFixed(4)}`);
    assert.ok(Math.abs(calibrated["0.9"] - want["calibrated_0.9"]) <= 2e-3, `calibrated 0.9: ${calibrated["0.9"]} vs numpy ${want["calibrated_0.9"]}`);
    assert.ok(Math.abs(raw["0.5"] - want["raw_0.5"]) <= 2e-3, `raw 0.5: ${raw["0.5"]} vs numpy ${want["raw_0.5"]}`);
    // Coverage grows with P, and the two series differ (the card's calibration did something).
    const levels = Object.keys(calibrated).map(Number);
    for (let i = 1; i < levels.length; i++) assert.ok(calibrated[levels[i]] >= calibrated[levels[i - 1]] && raw[levels[i]] >= raw[levels[i - 1]]);
    assert.ok(levels.some((l) => Math.abs(calibrated[l] - raw[l]) > 0.01));

    // In Chromium: it renders offline with its 8 widgets; the plot fits the window, every point
    // sits in the plot box where its value says, legends are off the plot, the words are there.
    const c = await renderFile(out, "report-coverage.png", 8);
    assert.equal(c.rendered, 8);
    assert.deepEqual(c.errors, []);
    assert.deepEqual(c.requests, []);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1000, height: 800 });
    await page.goto(`file://${out}`);
    await page.waitForFunction(() => document.body.dataset.widgetsRendered, null, { timeout: 60_000 });
    const look = await page.evaluate(() => {
      const svg = document.querySelector(".pssr-coverage svg") as SVGSVGElement;
      const box = svg.querySelector("rect[fill='none']")!.getBoundingClientRect();
      const s = svg.getBoundingClientRect();
      const points = Array.from(svg.querySelectorAll("circle")).map((el) => {
        const r = el.getBoundingClientRect();
        const m = /P ([\d.]+) observed ([\d.]+)/.exec(el.querySelector("title")!.textContent!)!;
        return { x: r.x + r.width / 2, y: r.y + r.height / 2, nominal: Number(m[1]), observed: Number(m[2]), color: el.getAttribute("fill") };
      });
      const legend = Array.from(svg.querySelectorAll("text")).filter((t) => /scales|calibrated/.test(t.textContent ?? "")).map((t) => t.getBoundingClientRect());
      return { box: { x: box.x, y: box.y, w: box.width, h: box.height }, svgRight: s.right, points, legend: legend.map((r) => ({ top: r.top, bottom: r.bottom })), text: document.querySelector(".pssr-coverage")!.textContent };
    });
    await page.locator(".pssr-coverage").screenshot({ path: join(artifactsDir, "report-coverage-plot.png") });
    await page.close();
    assert.ok(look.svgRight <= 1000, `the plot ends at ${look.svgRight} px`);
    assert.equal(look.points.length, 2 * levels.length);
    for (const p of look.points) {
      assert.ok(Math.abs(p.x - (look.box.x + p.nominal * look.box.w)) < 1 && Math.abs(p.y - (look.box.y + (1 - p.observed) * look.box.h)) < 1, JSON.stringify(p));
    }
    const blue = look.points.filter((p) => p.color === "#1f77b4");
    assert.deepEqual(blue.map((p) => p.observed.toFixed(3)), levels.map((l) => calibrated[l].toFixed(3)));
    for (const l of look.legend) assert.ok(l.top > look.box.y + look.box.h, "legend below the plot box");
    assert.match(look.text!, /not a guarantee/);
    assert.match(look.text!, /intensity quantification/);
  });

  test("pssr report --model with an ensemble folder: the mean of its members' coverage, and the worst member in the table", { timeout: 300_000 }, () => {
    const demo = join(work, "demo-cov");
    const ens = join(work, "laplace-ensemble");
    const em = join(samplesDir, "em", "emdiffuse_demo");
    const t = runCli(["train", "--hr", join(em, "microns_mouse_cortex_0.tif"), "--hr", join(em, "mouse_liver_0.tif"), "--out", ens, "--arch", "care", "--probabilistic", "--scale", "4", "--epochs", "1", "--steps", "4", "--batch", "4", "--patch", "48", "--ensemble", "2", "--quiet"]);
    assert.equal(t.status, 0, t.stderr);
    const report = (model: string, out: string) => {
      const r = runCli(["report", "--demo-dir", demo, "--model", model, "-o", join(work, out)]);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const calibrated = (stdout: string) => Object.fromEntries([...(/calibrated:\s+(.*)/.exec(stdout)![1].matchAll(/([\d.]+): ([\d.]+)/g))].map((m) => [m[1], Number(m[2])]));
    const both = report(ens, "ensemble.html");
    assert.match(both, /mean over 2 members/);
    const m1 = calibrated(report(join(ens, "member-1"), "m1.html"));
    const m2 = calibrated(report(join(ens, "member-2"), "m2.html"));
    const e = calibrated(both);
    const html = readFileSync(join(work, "ensemble.html"), "utf8");
    const rows = [...html.matchAll(/<tr><td>([\d.]+)<\/td><td>[\d.]+<\/td><td>([\d.]+)<\/td><td>([\d.]+)<\/td><\/tr>/g)];
    assert.equal(rows.length, Object.keys(e).length);
    for (const [, p, mean, worst] of rows) {
      assert.ok(Math.abs(e[p] - (m1[p] + m2[p]) / 2) <= 1.5e-3, `P ${p}: ensemble ${e[p]} vs members ${m1[p]}, ${m2[p]}`);
      assert.equal(Number(mean).toFixed(3), e[p].toFixed(3));
      // The worst member is one of the two, and no nearer to P than the other (printed to 3 decimals).
      const w = Number(worst);
      const [self, other] = Math.abs(w - m1[p]) <= 1e-3 ? [m1[p], m2[p]] : [m2[p], m1[p]];
      assert.ok(Math.abs(w - self) <= 1e-3 && Math.abs(self - Number(p)) >= Math.abs(other - Number(p)) - 1e-3, `P ${p}: worst ${worst} vs members ${m1[p]}, ${m2[p]}`);
    }
  });

  test("pssr report --model names what is wrong: no Laplace head, no such folder", () => {
    const plain = join(work, "plain-model");
    const em = join(samplesDir, "em", "emdiffuse_demo");
    const t = runCli(["train", "--hr", join(em, "mouse_liver_0.tif"), "--hr", join(em, "microns_mouse_cortex_0.tif"), "--out", plain, "--epochs", "1", "--steps", "1", "--batch", "2", "--patch", "48", "--quiet"]);
    assert.equal(t.status, 0, t.stderr);
    const demo = join(work, "demo-cov");
    const r = runCli(["report", "--demo-dir", demo, "--model", plain, "-o", join(work, "x.html")]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /has no Laplace head, so it gives no intervals/);
    assert.equal(r.stderr.trim().split("\n").length <= 2, true, r.stderr);
    assert.ok(!existsSync(join(work, "x.html")), "nothing half-written");
    const r2 = runCli(["report", "--demo-dir", demo, "--model", join(work, "nope"), "-o", join(work, "y.html")]);
    assert.notEqual(r2.status, 0);
    assert.match(r2.stderr, /--model .*nope: no such model folder/);
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
