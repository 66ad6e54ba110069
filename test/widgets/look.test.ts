// What a user sees, checked in Chromium on an offline report of every widget (no kernel needed):
// JupyterLab's own dark theme (the variables.css of @jupyterlab/theme-dark-extension, switched on
// the way JupyterLab does it) gives readable text, controls and plots; legends and titles stay off
// the data; the FRC axis ends at the data; the colour bar's texts do not overprint; a 4-panel
// ImageCompare fits the window and its pixel readout wraps per panel; kymograph sliders show their
// values; the training monitor shows no empty prediction box and PSNR/SSIM sit in separate panels;
// a CrappifierTuner started from calibrate()'s recipe for the real noisy SEM acquisition has
// slider ranges that hold the calibrated values, and a one-step nudge stays near them. Also: the
// views' model defaults equal the kernel-side widgets' initial state.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { repoRoot, samplesDir } from "../helpers.js";
import { calibrate } from "../../src/crappify/calibrate.js";
import { findRecipe } from "../../src/crappify/recipes.js";
import { getPlane } from "../../src/image/image.js";
import { upsampleBilinear } from "../../src/image/resize.js";
import { readImage } from "../../src/io/read.js";
import { CrappifierTuner, ErrorMap, FRCPlot, ImageCompare, Kymograph, TrainingMonitor, pyramidCrop, writeWidgetReport } from "../../src/widgets/index.js";
import { artifactsDir, ensureWidgetBundle, launchBrowser } from "./harness.js";

const work = mkdtempSync(join(tmpdir(), "pssr-widgets-look-"));
const DARK_CSS = join(repoRoot, "node_modules", "@jupyterlab", "theme-dark-extension", "style", "variables.css");
const SHOWN = ["hrPhotonsAtMax", "doseFactor", "backgroundPhotons", "gainAduPerPhoton", "offsetAdu", "readNoiseAdu", "psfSigmaPx"];
let browser: BrowserContext;
let page: Page;
let calibrated: Record<string, unknown>;
let tuner: CrappifierTuner;
const kernelWidgets: Record<string, Record<string, unknown>> = {};

/** The n-th widget view of the page (report order below). */
const W = { compare: 0, errormap: 1, frc: 2, kymo: 3, tuner: 4, monitorBare: 5, monitor: 6 } as const;
const view = (n: number) => `.pssr-widget-host >> nth=${n} >> .pssr-widget`;

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** WCAG contrast ratios of every text element vs its effective background, computed in the page. */
async function contrasts(root: string): Promise<{ what: string; ratio: number; fg: string; bg: string }[]> {
  return page.locator(root).evaluate((el) => {
    const parse = (c: string): number[] => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 0];
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const over = (top: number[], under: number[]) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
    const background = (e: Element | null): number[] => {
      const layers: number[][] = [];
      for (let n = e; n; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] === 1) break;
      }
      let acc = [255, 255, 255, 1];
      for (const l of layers.reverse()) acc = over(l, acc);
      return acc;
    };
    const lum = (c: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const ratio = (a: number[], b: number[]) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const out: { what: string; ratio: number; fg: string; bg: string }[] = [];
    // HTML text (titles, labels, stats, values, controls)
    for (const e of Array.from(el.querySelectorAll("*")) as HTMLElement[]) {
      if (e.closest("svg") || e instanceof HTMLCanvasElement || e.closest(".pssr-plot")) continue;
      const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent!.trim());
      if (!own && !(e instanceof HTMLSelectElement)) continue;
      // hidden ones, and disabled controls (WCAG 1.4.3 exempts inactive components)
      if (e.offsetParent === null || (e as HTMLButtonElement).disabled) continue;
      const bg = background(e);
      const fg = over(parse(getComputedStyle(e).color), bg);
      out.push({ what: `${e.tagName.toLowerCase()}.${e.className} "${(e.textContent ?? "").trim().slice(0, 30)}"`, ratio: ratio(fg, bg), fg: String(fg), bg: String(bg) });
    }
    // plotly's SVG text against the plot's paper colour
    for (const plot of Array.from(el.querySelectorAll(".pssr-plot")) as HTMLElement[]) {
      const paper = over(parse((plot.querySelector(".main-svg") as SVGElement).style.background || "rgba(0,0,0,0)"), background(plot));
      for (const t of Array.from(plot.querySelectorAll("text")) as SVGTextElement[]) {
        if (!t.textContent?.trim()) continue;
        const fg = over(parse(getComputedStyle(t).fill), paper);
        out.push({ what: `plot text "${t.textContent.slice(0, 30)}"`, ratio: ratio(fg, paper), fg: String(fg), bg: String(paper) });
      }
    }
    // the colour bar's labels (canvas): the brightest-to-background contrast of its text column
    for (const c of Array.from(el.querySelectorAll("canvas.pssr-colorbar")) as HTMLCanvasElement[]) {
      const bg = background(c);
      const d = c.getContext("2d")!.getImageData(20, 0, c.width - 20, c.height).data;
      let best = 1;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200) best = Math.max(best, ratio([d[i], d[i + 1], d[i + 2], 1], bg));
      out.push({ what: "colour bar labels", ratio: best, fg: "", bg: String(bg) });
    }
    return out;
  });
}

describe("what the widgets look like (Chromium, offline report)", { timeout: 240_000 }, () => {
  before(async () => {
    ensureWidgetBundle();
    const liver = getPlane(await readImage(join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif")));
    const lr = pyramidCrop(liver, 4);
    const bil = upsampleBilinear(lr, 4);
    const cells = await readImage(join(samplesDir, "fluo", "cancer_cell_migration_crop_48x130x130.tif"));
    // The tuner as notebook 01 builds it: calibrate() on the real noisy SEM patch, its recipe as the start.
    const realNoisy = await readImage(join(samplesDir, "em", "emdiffuse_noisy_sem", "patch_0_1.tif"));
    const cleanSem = await readImage(join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean", "pair1_gt_clean.tif"));
    const cal = calibrate(realNoisy, undefined, { seed: 0 });
    // A background as a user tuned it (15 photons, beyond the end of the recipe's default range, 10).
    calibrated = { ...cal.recipe.params, backgroundPhotons: 15 };
    tuner = new CrappifierTuner(cleanSem, realNoisy, { recipe: { name: "physical", params: calibrated as any }, scaleFactor: 4, previewPx: 512, seed: 0, show: SHOWN });
    await tuner.settled();
    const bare = new TrainingMonitor({ title: "no preview", sendIntervalMs: 0 });
    const mon = new TrainingMonitor({ title: "with preview", sendIntervalMs: 0 });
    // one-cycle learning rate (peak at 30% of the steps) and validation where bilinear is flat
    for (const m of [bare, mon]) {
      for (let s = 1; s <= 50; s++) m.update({ step: s, loss: 0.5 / Math.sqrt(s), lr: 1e-3 * (s <= 15 ? s / 15 : (50 - s) / 35 + 0.02) });
      for (let e = 1; e <= 5; e++) m.update({ epoch: e, valPsnr: 20 + e, valSsim: 0.3 + e / 20, bilinearPsnr: 19, bilinearSsim: 0.3 });
    }
    mon.setPreview(liver);
    bare.finish("done");
    mon.finish("done");
    const widgets = [
      new ImageCompare(
        [
          { name: "low-res input (64 px)", image: lr },
          { name: "bilinear upsampling", image: bil },
          { name: "restoration (PSSR tiny)", image: bil },
          { name: "high-res ground truth", image: liver },
        ],
        { pixelSizeNm: 2 },
      ),
      new ErrorMap(lr, bil),
      new FRCPlot([{ name: "bilinear", image: bil }, { name: "high-res", image: liver }], { title: "single-image FRC" }),
      new Kymograph([{ name: "cells", stack: cells }], { polyline: [[10, 20], [110, 90]], widthPx: 3 }),
      tuner,
      bare,
      mon,
    ];
    for (const w of widgets) kernelWidgets[w.modelName] ??= w.fullState() as Record<string, unknown>;
    // Kept in test-artifacts with the screenshots, to open by hand.
    mkdirSync(artifactsDir, { recursive: true });
    const out = join(artifactsDir, "look.html");
    await writeWidgetReport(widgets.map((w) => ({ widget: w })), out, { title: "look" });
    browser = await launchBrowser(join(work, "profile"));
    page = await browser.newPage();
    await page.setViewportSize({ width: 1000, height: 800 });
    await page.goto(`file://${out}`);
    await page.waitForFunction(() => document.body.dataset.widgetsRendered || document.body.dataset.widgetsError, null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll(".pssr-widget[data-draws]").length >= 7, null, { timeout: 30_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifactsDir, "look-light.png"), fullPage: true });
  });

  after(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test("light fallbacks: every text of every widget reads (contrast >= 4.5)", async () => {
    for (let n = 0; n < 7; n++) {
      const low = (await contrasts(view(n))).filter((c) => c.ratio < 4.5);
      assert.deepEqual(low, [], `widget ${n}`);
    }
  });

  test("ImageCompare: 4 panels as 2x2 inside the window; the pixel readout wraps per panel, nothing clipped", async () => {
    const el = page.locator(view(W.compare));
    await el.scrollIntoViewIfNeeded();
    const boxes = await el.locator("canvas.pssr-canvas").evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().toJSON()));
    assert.equal(boxes.length, 4);
    const xs = new Set(boxes.map((b) => Math.round(b.x)));
    const ys = new Set(boxes.map((b) => Math.round(b.y)));
    assert.equal(xs.size, 2, JSON.stringify(boxes));
    assert.equal(ys.size, 2, JSON.stringify(boxes));
    const widget = (await el.boundingBox())!;
    const vp = page.viewportSize()!;
    for (const b of boxes) assert.ok(b.x + b.width <= widget.x + widget.width + 0.5 && b.x + b.width <= vp.width, `canvas inside the cell: ${JSON.stringify(b)}`);
    const top = Math.min(...boxes.map((b) => b.y));
    const bottom = Math.max(...boxes.map((b) => b.y + b.height));
    assert.ok(bottom - top <= vp.height * 0.85, `2x2 images span ${bottom - top} px of a ${vp.height} px window`);
    // the whole view (controls, panels with their contrast controls, readout) fits the window too
    assert.ok(widget.height <= vp.height, `view ${widget.height} px high in a ${vp.height} px window`);
    const c = boxes[3];
    await page.mouse.move(c.x + c.width * 0.7, c.y + c.height * 0.6);
    const readout = await el.locator(".pssr-readout").evaluate((r) => ({
      right: r.getBoundingClientRect().right,
      clipped: r.scrollWidth > r.clientWidth + 1,
      spans: Array.from(r.children).map((s) => ({ text: s.textContent, right: s.getBoundingClientRect().right, top: s.getBoundingClientRect().top })),
    }));
    assert.equal(readout.spans.length, 4, JSON.stringify(readout));
    assert.equal(readout.clipped, false);
    for (const s of readout.spans) {
      assert.match(s.text ?? "", /: x [\d.]+ (nm|µm), y [\d.]+ (nm|µm) = /);
      assert.ok(s.right <= readout.right + 0.5 && s.right <= vp.width, `readout entry runs off: ${JSON.stringify(s)}`);
    }
    assert.ok(new Set(readout.spans.map((s) => Math.round(s.top))).size > 1, "four long entries wrap onto more than one line");
    await el.screenshot({ path: join(artifactsDir, "look-imagecompare-4.png") });
    // a narrower cell (JupyterLab's side panel opened): the panels shrink to stay inside it
    await page.setViewportSize({ width: 420, height: 800 });
    await page.waitForFunction(() => {
      const w = document.querySelector(".pssr-widget") as HTMLElement;
      return Array.from(w.querySelectorAll("canvas.pssr-canvas")).every((c) => c.getBoundingClientRect().right <= w.getBoundingClientRect().right + 0.5);
    });
    const narrow = await el.locator("canvas.pssr-canvas").evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().toJSON()));
    assert.equal(new Set(narrow.map((b) => Math.round(b.x))).size, 2, "still 2x2");
    assert.ok(narrow[0].width < boxes[0].width, `${narrow[0].width} vs ${boxes[0].width}`);
    await page.setViewportSize({ width: 1000, height: 800 });
    await page.waitForFunction((w0) => Math.abs((document.querySelector(".pssr-widget canvas.pssr-canvas") as HTMLElement).getBoundingClientRect().width - w0) < 1, boxes[0].width);
  });

  test("plots: legends and titles off the data; FRC axis ends at the data; every threshold line named; colour bar texts apart", async () => {
    const plotArea = (plot: string) => page.locator(`${plot} .nsewdrag`).evaluateAll((ds) => ds.map((d) => d.getBoundingClientRect().toJSON()));
    const legend = (plot: string) => page.locator(`${plot} g.legend`).evaluate((g) => g.getBoundingClientRect().toJSON());
    for (const [n, name] of [[W.frc, "FRC"], [W.tuner, "noise curve"], [W.monitor, "loss"]] as const) {
      const plot = n === W.monitor ? `${view(n)} .pssr-loss` : `${view(n)} .pssr-plot`;
      const areas = await plotArea(plot);
      const leg = await legend(plot);
      for (const a of areas) assert.ok(!overlap(leg, a), `${name}: legend ${JSON.stringify(leg)} lies over the plot area ${JSON.stringify(a)}`);
    }
    // FRC: single-image curves end at 0.25 cycles/px and so does the axis
    const frc = await page.locator(`${view(W.frc)} .pssr-plot`).evaluate((p: any) => ({
      range: p._fullLayout.xaxis.range,
      traces: p._fullData.map((t: any) => ({ name: t.name, dash: t.line?.dash, legend: t.showlegend, xmax: Math.max(...t.x) })),
      legendItems: Array.from(p.querySelectorAll("g.legend .traces text.legendtext")).map((t: any) => t.textContent),
      title: Array.from(p.querySelectorAll(".gtitle")).map((t: any) => t.textContent).join(""),
    }));
    const xmax = Math.max(...frc.traces.map((t: any) => t.xmax));
    assert.ok(Math.abs(xmax - 0.25) < 0.01, `single-image FRC data end at ${xmax}`);
    assert.ok(Math.abs(frc.range[1] - xmax) < 1e-9, `axis ${JSON.stringify(frc.range)} vs data to ${xmax}`);
    const thresholds = frc.traces.filter((t: any) => t.dash === "dot");
    assert.ok(thresholds.length >= 1);
    for (const t of frc.traces) assert.ok(t.legend !== false && frc.legendItems.includes(t.name), `trace ${t.name} not named in the legend ${JSON.stringify(frc.legendItems)}`);
    assert.ok(frc.legendItems.some((s: string) => /threshold/.test(s)), JSON.stringify(frc.legendItems));
    // titles are page text above the plot: plotly's mode bar (shown on hover) cannot cover them
    assert.ok(!frc.title, `plotly title ${frc.title}`);
    const plot = page.locator(`${view(W.frc)} .pssr-plot`);
    await plot.scrollIntoViewIfNeeded();
    await plot.hover();
    await page.locator(`${view(W.frc)} .modebar`).waitFor();
    const mb = await page.locator(`${view(W.frc)} .modebar`).evaluate((m) => m.getBoundingClientRect().toJSON());
    const title = await page.locator(`${view(W.frc)} .pssr-plot-title`).evaluate((t) => ({ box: t.getBoundingClientRect().toJSON(), text: t.textContent }));
    assert.equal(title.text, "single-image FRC");
    assert.ok(mb.width > 0 && !overlap(mb, title.box), `mode bar ${JSON.stringify(mb)} over the title ${JSON.stringify(title.box)}`);
    // the mode bar (shown on hover) covers no legend and no title, in every plot
    for (const plotSel of [`${view(W.frc)} .pssr-plot`, `${view(W.tuner)} .pssr-plot`, `${view(W.monitor)} .pssr-loss`, `${view(W.monitor)} .pssr-val`]) {
      const p = page.locator(plotSel);
      await p.scrollIntoViewIfNeeded();
      await p.hover({ position: { x: 80, y: 120 } });
      await page.locator(`${plotSel} .modebar`).waitFor();
      const m = await page.locator(`${plotSel} .modebar`).evaluate((e) => e.getBoundingClientRect().toJSON());
      const l = await page.locator(`${plotSel} g.legend`).evaluate((g) => g.getBoundingClientRect().toJSON());
      const areas = await plotArea(plotSel);
      assert.ok(!overlap(m, l), `${plotSel}: mode bar ${JSON.stringify(m)} over the legend ${JSON.stringify(l)}`);
      const titleBox = await p.evaluate((e) => (e.previousElementSibling as HTMLElement).getBoundingClientRect().toJSON());
      assert.ok(!overlap(m, titleBox), `${plotSel}: mode bar over the title`);
      for (const a of areas) assert.ok(!overlap(l, a), `${plotSel}: legend over the plot area`);
      const axisTitles = await page.locator(`${plotSel} text[class$="title"]`).evaluateAll((ts) => ts.filter((t) => t.textContent).map((t) => ({ text: t.textContent, box: t.getBoundingClientRect().toJSON() })));
      assert.ok(axisTitles.length >= 2, `${plotSel}: axis titles ${JSON.stringify(axisTitles)}`);
      for (const t of axisTitles) assert.ok(!overlap(l, t.box), `${plotSel}: legend over the axis title "${t.text}"`);
    }
    await plot.hover();
    await page.locator(view(W.frc)).screenshot({ path: join(artifactsDir, "look-frc.png") });
    // error map colour bar: caption and tick labels apart, ticks in one format
    const bar = await page.locator(`${view(W.errormap)} canvas.pssr-colorbar`).evaluate((c) => ({ boxes: JSON.parse((c as HTMLElement).dataset.textBoxes!), ticks: JSON.parse((c as HTMLElement).dataset.ticks!) }));
    assert.equal(bar.boxes.length, 6);
    for (let i = 0; i < bar.boxes.length; i++) {
      for (let j = i + 1; j < bar.boxes.length; j++) {
        const [a, b] = [bar.boxes[i], bar.boxes[j]].map(([x0, y0, x1, y1]: number[]) => ({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }));
        assert.ok(!overlap(a, b), `colour bar texts ${i} and ${j} overprint: ${JSON.stringify(bar.boxes)}`);
      }
    }
    const decimals = new Set(bar.ticks.map((t: string) => (/e/.test(t) ? "e" : (t.split(".")[1] ?? "").length)));
    assert.equal(decimals.size, 1, `mixed tick formats ${JSON.stringify(bar.ticks)}`);
    assert.equal(bar.ticks[4], Number(0).toFixed(Number([...decimals][0])));
    await page.locator(view(W.errormap)).screenshot({ path: join(artifactsDir, "look-errormap.png") });
  });

  test("TrainingMonitor: no empty prediction box without a preview; PSNR and SSIM in separate panels", async () => {
    assert.equal(await page.locator(`${view(W.monitorBare)} canvas.pssr-prediction`).isVisible(), false);
    assert.equal(await page.locator(`${view(W.monitor)} canvas.pssr-prediction`).isVisible(), true);
    const areas = await page.locator(`${view(W.monitor)} .pssr-val .nsewdrag`).evaluateAll((ds) => ds.map((d) => d.getBoundingClientRect().toJSON()));
    assert.equal(areas.length, 2, "two subplots");
    assert.ok(!overlap(areas[0], areas[1]));
    const axes = await page.locator(`${view(W.monitor)} .pssr-val`).evaluate((p: any) => p._fullData.map((t: any) => `${t.name}:${t.yaxis}`));
    assert.deepEqual(axes, ["PSNR model:y", "PSNR bilinear:y", "SSIM model:y2", "SSIM bilinear:y2"]);
    const leg = await page.locator(`${view(W.monitor)} .pssr-val g.legend`).evaluate((g) => g.getBoundingClientRect().toJSON());
    for (const a of areas) assert.ok(!overlap(leg, a), "validation legend off the data");
    await page.locator(view(W.monitorBare)).screenshot({ path: join(artifactsDir, "look-monitor-no-preview.png") });
  });

  test("Kymograph: its sliders show their values", async () => {
    const el = page.locator(view(W.kymo));
    assert.equal(await el.locator(".pssr-width-value").textContent(), "3 px");
    assert.equal(await el.locator(".pssr-frame-value").textContent(), "0 / 47");
    await el.locator(".pssr-frame-index").fill("12");
    assert.equal(await el.locator(".pssr-frame-value").textContent(), "12 / 47");
  });

  test("CrappifierTuner from the calibrated recipe of the real noisy SEM: ranges hold the values; a nudge stays near", async () => {
    const physical = findRecipe("physical")!;
    const sliders = tuner.get("sliders");
    for (const name of ["gainAduPerPhoton", "offsetAdu", "backgroundPhotons", "hrPhotonsAtMax"]) {
      const s = sliders.find((x) => x.name === name)!;
      const v = calibrated[name] as number;
      const spec = physical.params.find((p) => p.name === name)!;
      const t = s.log ? Math.log(v / s.lo!) / Math.log(s.hi! / s.lo!) : (v - s.lo!) / (s.hi! - s.lo!);
      assert.ok((t >= 0.05 && t <= 0.95) || (t === 0 && s.lo === spec.min), `${name} = ${v} sits at ${t.toFixed(3)} of [${s.lo}, ${s.hi}]`);
    }
    const el = page.locator(view(W.tuner));
    await el.scrollIntoViewIfNeeded();
    for (const [name, shown] of [["gainAduPerPhoton", "1236"], ["offsetAdu", "64078"], ["backgroundPhotons", "15.00"]] as const) {
      const input = el.locator(`input[data-param="${name}"]`);
      const pos = Number(await input.inputValue());
      assert.ok(pos > 50 && pos < 950, `${name} thumb at ${pos}/1000`);
      const row = el.locator(".pssr-slider-row", { has: page.locator(`input[data-param="${name}"]`) });
      assert.equal(await row.locator(".pssr-value").textContent(), shown);
      await input.focus();
      await page.keyboard.press("ArrowRight");
      const sent = await el.evaluate((w) => JSON.parse((w as HTMLElement).dataset.lastParam!));
      const v = calibrated[name] as number;
      assert.equal(sent.name, name);
      assert.ok(sent.value > v && Math.abs(sent.value - v) <= 0.02 * Math.abs(v), `${name}: one step right turned ${v} into ${sent.value}`);
    }
    await el.screenshot({ path: join(artifactsDir, "look-tuner-calibrated.png") });
  });

  test("browser model defaults are the kernel widgets' initial state", async () => {
    const defaults = await page.evaluate(() => {
      const m = (globalThis as any).pssrLabWidgets;
      const out: Record<string, Record<string, unknown>> = {};
      for (const k of Object.keys(m)) if (k.endsWith("Model") && m[k].prototype?.defaults) out[k] = m[k].prototype.defaults.call(Object.create(m[k].prototype));
      return out;
    });
    // keys whose kernel value is a default rather than computed from the data
    const keys: Record<string, string[]> = {
      ImageCompareModel: ["mode", "view", "view_size_px", "swipe"],
      ErrorMapModel: ["title", "lut", "vmax_percentile", "view_size_px"],
      FRCPlotModel: ["threshold", "thresholds", "pixel_size_nm"],
      KymographModel: ["frame_index", "polyline", "reduce", "kymographs", "length_px", "view_size_px"],
      CrappifierTunerModel: ["recipe", "view_size_px"],
    };
    for (const [model, list] of Object.entries(keys)) {
      assert.ok(kernelWidgets[model], model);
      for (const k of list) if (!(model === "KymographModel" && (k === "polyline" || k === "kymographs" || k === "length_px"))) assert.deepEqual(defaults[model][k], kernelWidgets[model][k], `${model}.${k}`);
    }
    const mon = new TrainingMonitor();
    assert.equal(defaults.TrainingMonitorModel.running, mon.get("running"));
    assert.equal(defaults.TrainingMonitorModel.status, mon.get("status"));
    assert.equal(defaults.TrainingMonitorModel.title, mon.get("title"));
    const fp = new FRCPlot([{ name: "x", result: { curve: [[0, 1]], thresholdCurve: [[0, 0.14]], crossingFrequency: null, resolutionPx: null, resolutionNm: null } as any }]);
    assert.equal(defaults.FRCPlotModel.title, fp.get("title"));
  });

  // last: it switches the page to JupyterLab's dark theme
  test("JupyterLab's dark theme: text, controls, plots and colour bar stay readable (contrast >= 4.5)", async () => {
    await page.addStyleTag({ path: DARK_CSS });
    // JupyterLab puts the theme's layout colour behind its cells and flags the theme on <body>.
    await page.addStyleTag({ content: "body { background: var(--jp-layout-color0); color: var(--jp-ui-font-color1); }" });
    await page.evaluate(() => {
      document.body.dataset.jpThemeLight = "false";
      document.body.dataset.jpThemeName = "JupyterLab Dark";
    });
    // every view redraws what holds colours outside CSS
    await page.waitForFunction(() => Array.from(document.querySelectorAll(".pssr-widget")).every((w) => Number((w as HTMLElement).dataset.themeDraws ?? 0) >= 1));
    await page.waitForTimeout(300);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, "rgb(17, 17, 17)", "the dark theme's --jp-layout-color0 is in force");
    for (let n = 0; n < 7; n++) {
      const all = await contrasts(view(n));
      assert.ok(all.length > 3, `widget ${n}: ${all.length} texts`);
      const low = all.filter((c) => c.ratio < 4.5);
      assert.deepEqual(low, [], `widget ${n}`);
    }
    // the controls use the theme's colours, not the browser's white boxes
    const sel = await page.locator(`${view(W.compare)} select`).first().evaluate((s) => getComputedStyle(s).backgroundColor);
    assert.notEqual(sel, "rgb(255, 255, 255)");
    await page.screenshot({ path: join(artifactsDir, "look-dark.png"), fullPage: true });
  });
});
