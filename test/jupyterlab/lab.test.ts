// The notebooks and widgets in a real JupyterLab 4 (see harness.ts): the four notebooks and the
// course lab's solutions run with the lab's Run All in quick mode; each widget is interacted with
// as a user would in the lab (wheel, drag, slider, select, polyline, stop button) and checked in
// the kernel (a following cell prints its state) and on the canvas; and the kernel status the
// lab shows is sampled while Run All works through queued cells. One lab serves every test (one
// server, one Chromium) to keep the run short. Screenshots go to test-artifacts/jupyterlab/.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  CONSOLE_ALLOW,
  KERNEL,
  artifactsDir,
  canvasHash,
  canvasRange,
  cellReports,
  kernelStatus,
  openNotebook,
  pendingCells,
  runAll,
  runCell,
  screenshotNotebook,
  startCell,
  waitCell,
  waitForKernelState,
  widgetViews,
  type Lab,
  startLab,
} from "./harness.js";

let L: Lab;
const timings: Record<string, number> = {};

/** A notebook file with the pssr kernel and these code cells. */
function writeNotebook(relPath: string, cells: string[], kernel = { name: KERNEL, display: "TypeScript (pssr-lab)", language: "typescript" }): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: kernel.name, display_name: kernel.display, language: kernel.language } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
  };
  writeFileSync(join(L.ws.project, relPath), JSON.stringify(nb, null, 1));
}

/** Shuts the current notebook's kernel down and closes it (each notebook gets a fresh kernel, as a user's would). */
async function closeNotebook(): Promise<void> {
  await L.page.evaluate(async (dispose) => {
    const w = (window as any).jupyterapp.shell.currentWidget;
    await w.sessionContext.shutdown();
    await w.context.save();
    if (dispose) w.dispose(); // Notebook 7 has one notebook per page: the next one loads a new page
  }, L.frontend === "lab");
}

function assertNoProblems(what: string): void {
  const p = L.takeProblems();
  assert.deepEqual(p, [], `${what}: console errors / failed requests`);
}

/**
 * Opens `path`, runs it with Run All and checks: every code cell ran, no error output, as many
 * rendered widget views as widget-view outputs (none "Error displaying widget"), no console
 * problem; then a screenshot of the whole notebook (name + suffix).
 */
async function runNotebook(path: string, suffix: string): Promise<void> {
  const name = path.replace(/^.*\//, "").replace(/\.ipynb$/, "");
  await openNotebook(L.page, path, L);
  const seconds = await runAll(L.page, 840_000);
  timings[name + suffix] = Math.round(seconds);
  console.log(`# ${path}${suffix}: Run All ${seconds.toFixed(1)} s`);
  const cells = await cellReports(L.page);
  const code = cells.filter((c) => c.type === "code" && !c.blank);
  assert.ok(code.length >= 5, `${path}: ${code.length} code cells`);
  for (const c of code) {
    assert.equal(typeof c.executionCount, "number", `${path} cell ${c.index} did not run`);
    assert.deepEqual(c.errors, [], `${path} cell ${c.index} has error output`);
  }
  // stderr is not an error, but it is shown to the user in red: list it in the log
  for (const c of code) if (c.stderr) console.log(`# ${path}${suffix} cell ${c.index} stderr: ${JSON.stringify(c.stderr.slice(0, 300))}${c.stderr.length > 300 ? ` (${c.stderr.length} chars)` : ""}`);
  const expected = code.reduce((n, c) => n + c.widgetViews, 0);
  assert.ok(expected >= 1, `${path} displays widgets`);
  // views render asynchronously after their display message: wait for all of them
  await L.page
    .waitForFunction((n) => (window as any).jupyterapp.shell.currentWidget.content.node.querySelectorAll(".pssr-widget").length >= n, expected, { timeout: 60_000 })
    .catch(() => undefined);
  const views = await widgetViews(L.page);
  assert.deepEqual(views.failed, [], `${path}: "Error displaying widget"`);
  assert.equal(views.rendered, expected, `${path}: ${views.rendered} of ${expected} widget views rendered`);
  await L.page.waitForTimeout(1000); // plots finish their layout
  await screenshotNotebook(L.page, join(artifactsDir, `${name}${suffix}.png`));
  assertNoProblems(path);
  await closeNotebook();
}

const NOTEBOOKS = ["01-crappify.ipynb", "02-train.ipynb", "03-evaluate.ipynb", "04-validate.ipynb", "lab/lab-solutions.ipynb"];

// PSSR_JUPYTER_FRONTENDS=lab or =notebook runs one front end only (default: both).
const FRONTENDS = (process.env.PSSR_JUPYTER_FRONTENDS ?? "lab,notebook").split(",");
const skipUnless = (f: string) => (FRONTENDS.includes(f) ? false : `PSSR_JUPYTER_FRONTENDS=${process.env.PSSR_JUPYTER_FRONTENDS}`);

describe("JupyterLab 4 built from npm, with the pssr-lab kernel and widgets", { concurrency: false, skip: skipUnless("lab") }, () => {
  before(async () => {
    const t0 = Date.now();
    L = await startLab();
    timings.start_s = (Date.now() - t0) / 1000;
    console.log(`# JupyterLab ${L.version} up in ${timings.start_s.toFixed(1)} s at ${L.baseUrl}`);
  });

  after(async () => {
    if (!L) return;
    const allowed = [...L.allowedSeen].map(([message, count]) => ({ message, count, reason: CONSOLE_ALLOW.find((a) => a.pattern.test(message))?.reason }));
    writeFileSync(join(artifactsDir, "summary-jupyterlab.json"), JSON.stringify({ jupyterlab: L.version, seconds: timings, allowedConsoleMessages: allowed }, null, 1) + "\n");
    console.log(`# lab timings (s): ${JSON.stringify(timings)}`);
    await L.close();
  });

  test("the lab runs our build, lists the kernel and loads the prebuilt widgets extension", async () => {
    assert.match(L.version, /^4\.\d+\.\d+$/);
    const info = await L.page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      const specs = app.serviceManager.kernelspecs;
      await specs.ready;
      const cfg = JSON.parse(document.getElementById("jupyter-config-data")!.textContent!);
      return {
        kernels: Object.fromEntries(Object.entries(specs.specs.kernelspecs).map(([k, v]: any) => [k, v.display_name])),
        federated: cfg.federated_extensions.map((e: any) => e.name),
        plugins: app.listPlugins().filter((p: string) => p.startsWith("pssr-lab-widgets")),
        active: app.listPlugins().filter((p: string) => p.startsWith("pssr-lab-widgets") && app.isPluginActivated(p)),
      };
    });
    assert.equal(info.kernels[KERNEL], "TypeScript (pssr-lab)", JSON.stringify(info));
    assert.ok(info.federated.includes("pssr-lab-widgets"), JSON.stringify(info));
    assert.ok(info.plugins.length >= 1, JSON.stringify(info));
    assert.deepEqual(info.active, info.plugins);
    assertNoProblems("start");
  });

  for (const path of NOTEBOOKS) {
    test(`${path}: Run All in the lab finishes every cell, no error output, every widget renders, clean console`, { timeout: 900_000 }, () => runNotebook(path, ""));
  }

  describe("widgets interacted with in the lab", { concurrency: false }, () => {
    const cellSel = (tag: string) => `[data-pssr-test="${tag}"]`;
    const widget = (tag: string) => `${cellSel(tag)} .pssr-widget`;
    /** Runs a cell that displays a widget and tags the cell's node for the selectors. */
    async function show(tag: string, code: string): Promise<string> {
      const r = await runCell(L.page, code, 120_000, tag);
      await L.page.locator(widget(tag)).first().waitFor({ timeout: 30_000 });
      await L.page.locator(widget(tag)).first().scrollIntoViewIfNeeded();
      return r;
    }
    async function shot(tag: string, file: string): Promise<void> {
      await L.page.locator(cellSel(tag)).screenshot({ path: join(artifactsDir, `${file}.png`) });
    }
    async function clickSlider(selector: string, t: number): Promise<void> {
      const loc = L.page.locator(selector);
      await loc.scrollIntoViewIfNeeded();
      const box = (await loc.boundingBox())!;
      await L.page.mouse.click(box.x + 8 + t * (box.width - 16), box.y + box.height / 2);
    }
    async function waitCanvasChange(selector: string, before: string): Promise<string> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const h = await canvasHash(L.page, selector);
        if (h !== before) return h;
        if (Date.now() > deadline) throw new Error(`${selector} did not change`);
        await L.page.waitForTimeout(150);
      }
    }

    before(async () => {
      writeNotebook("widgets-in-lab.ipynb", []);
      await openNotebook(L.page, "widgets-in-lab.ipynb", L);
      const out = await runCell(
        L.page,
        `import { ImageCompare, ErrorMap, FRCPlot, Kymograph, CrappifierTuner, TrainingMonitor, pyramidCrop, readImage, getPlane, imageFromPlanes, upsampleBilinear, samplePath, sourceFromImage, train, selectBackend } from "pssr-lab";\n` +
          `const liver = getPlane(await readImage(samplePath("em/emdiffuse_demo/mouse_liver_1.tif")));\n` +
          `const lr = pyramidCrop(liver, 4);\n` +
          `const bil = upsampleBilinear(lr, 4);\n` +
          `console.log("ready", liver.height, lr.height, bil.height);`,
        120_000,
      );
      assert.match(out, /ready 256 64 256/);
    });

    after(async () => {
      await screenshotNotebook(L.page, join(artifactsDir, "widgets-in-lab.png")).catch(() => undefined);
      await closeNotebook().catch(() => undefined);
    });

    test("ImageCompare: wheel zoom and drag move both panels; the kernel holds the view and sends the finer crop", { timeout: 180_000 }, async () => {
      await show(
        "cmp",
        // a 2048 px "restoration" with a one-pixel checkerboard that only the finer crops show
        `const big = { data: new Float32Array(2048 * 2048), height: 2048, width: 2048 };\n` +
          `for (let y = 0; y < 2048; y++) for (let x = 0; x < 2048; x++) big.data[y * 2048 + x] = liver.data[(y >> 3) * 256 + (x >> 3)] + ((x ^ y) & 1) * 60;\n` +
          `const cmp = new ImageCompare([{ name: "low-res", image: lr }, { name: "restored (2048 px)", image: big }], { pixelSizeNm: 2, overviewPx: 256, viewSizePx: 300 });\n` +
          `cmp.display();`,
      );
      const c0 = `${widget("cmp")} canvas.pssr-canvas >> nth=0`;
      const c1 = `${widget("cmp")} canvas.pssr-canvas >> nth=1`;
      await L.page.waitForFunction((s) => Number((document.querySelector(s) as HTMLElement)?.dataset.draws ?? 0) > 0, widget("cmp"));
      const before0 = await canvasHash(L.page, c0);
      const before1 = await canvasHash(L.page, c1);
      await shot("cmp", "imagecompare-initial");
      const box = (await L.page.locator(c1).boundingBox())!;
      await L.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
      for (let i = 0; i < 10; i++) await L.page.mouse.wheel(0, -120);
      await L.page.mouse.down();
      await L.page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.45, { steps: 5 });
      await L.page.mouse.up();
      const state = await waitForKernelState(L.page, `console.log(JSON.stringify({ view: cmp.get("view"), details: cmp.detailsSent }))`, (s) => {
        const o = JSON.parse(s);
        return o.details > 0 && o.view.x1 - o.view.x0 < 0.2;
      });
      const o = JSON.parse(state);
      assert.ok(o.view.x0 > 0.3 && o.view.x1 < 0.7, `zoomed about the centre: ${state}`);
      // the finer crop arrived: the restored panel is drawn from level 1 (full resolution)
      await L.page.waitForFunction((s) => (document.querySelector(s) as HTMLElement)?.dataset.detailFactor === "1", widget("cmp"), { timeout: 20_000 });
      // both panels follow the one viewport
      assert.notEqual(await canvasHash(L.page, c0), before0, "the low-res panel followed the zoom");
      assert.notEqual(await canvasHash(L.page, c1), before1, "the restored panel zoomed");
      await shot("cmp", "imagecompare-zoomed");
      assertNoProblems("ImageCompare");
    });

    test("CrappifierTuner: a slider re-renders the preview; the kernel holds the new parameter", { timeout: 180_000 }, async () => {
      await show(
        "tuner",
        `const clean = await readImage(samplePath("pairs/emdiffuse_brain_noisy_clean/pair1_gt_clean.tif"));\n` +
          `const noisy = await readImage(samplePath("pairs/emdiffuse_brain_noisy_clean/pair1_input_noisy.tif"));\n` +
          `const tuner = new CrappifierTuner(clean, noisy, { recipe: "physical", scaleFactor: 1, previewPx: 256, seed: 3 });\n` +
          `tuner.display();`,
      );
      const sel = `${widget("tuner")} canvas.pssr-preview`;
      await L.page.waitForFunction((s) => (document.querySelector(s) as HTMLElement)?.dataset.lastDrawn === "preview", widget("tuner"), { timeout: 30_000 });
      const before = await canvasHash(L.page, sel);
      const rn0 = Number(await runCell(L.page, `console.log(tuner.get("params").readNoiseAdu)`));
      await clickSlider(`${widget("tuner")} input[data-param="readNoiseAdu"]`, 0.8);
      // the value the view computed from the slider's position and sent (its last parameter change)
      const sent = JSON.parse((await L.page.locator(widget("tuner")).getAttribute("data-last-param")) ?? "{}");
      assert.equal(sent.name, "readNoiseAdu");
      const shown = Number(sent.value);
      const out = await waitForKernelState(L.page, `console.log(tuner.get("params").readNoiseAdu, tuner.get("rendered_params").readNoiseAdu)`, (s) => {
        const [p, r] = s.trim().split(" ").map(Number);
        return p !== rn0 && r === p;
      });
      const [held] = out.trim().split(" ").map(Number);
      assert.equal(held, shown, `kernel holds ${held}, the slider sent ${shown}`);
      await waitCanvasChange(sel, before);
      await shot("tuner", "tuner-slider");
      assertNoProblems("CrappifierTuner");
    });

    test("FRCPlot: the threshold select makes the kernel recompute; the plot redraws", { timeout: 180_000 }, async () => {
      await show("frc", `const fp = new FRCPlot([{ name: "bilinear", image: bil }, { name: "high-res", image: liver }]);\nfp.display();`);
      await L.page.locator(`${widget("frc")} .pssr-plot .scatterlayer`).first().waitFor();
      const svg = () => L.page.locator(`${widget("frc")} .pssr-plot .scatterlayer`).first().innerHTML();
      const before = await svg();
      await L.page.locator(`${widget("frc")} .pssr-threshold`).selectOption("half-bit");
      const out = await waitForKernelState(L.page, `console.log(fp.results.map((r) => r.threshold).join(","))`, (s) => s.trim().startsWith("half-bit,half-bit"));
      assert.match(out, /half-bit/);
      await L.page.waitForFunction(([s, b]) => document.querySelector(s)?.innerHTML !== b, [`${widget("frc")} .pssr-plot .scatterlayer`, before] as const, { timeout: 20_000 });
      await shot("frc", "frcplot-half-bit");
      assertNoProblems("FRCPlot");
    });

    test("Kymograph: a polyline drawn on the frame gives the kernel's kymographs, drawn on canvases", { timeout: 180_000 }, async () => {
      await show(
        "kymo",
        `const cells = await readImage(samplePath("fluo/cancer_cell_migration_crop_48x130x130.tif"));\n` +
          `const ky = new Kymograph([{ name: "high-res", stack: cells }], { widthPx: 3 });\n` +
          `ky.display();`,
      );
      const frame = L.page.locator(`${widget("kymo")} canvas.pssr-frame`);
      await frame.waitFor();
      const frameBefore = await canvasHash(L.page, `${widget("kymo")} canvas.pssr-frame`);
      const box = (await frame.boundingBox())!;
      const at = (u: number, v: number) => [box.x + u * box.width, box.y + v * box.height] as const;
      await L.page.mouse.click(...at(0.2, 0.3));
      await L.page.mouse.click(...at(0.5, 0.5));
      await L.page.mouse.click(...at(0.8, 0.4));
      await L.page.mouse.dblclick(...at(0.8, 0.4));
      const out = await waitForKernelState(L.page, `console.log(JSON.stringify({ n: ky.get("polyline").length, k: ky.results.map((r) => [r.kymograph.height, r.kymograph.width]) }))`, (s) => JSON.parse(s).k.length === 1);
      const o = JSON.parse(out);
      assert.equal(o.n, 3, out);
      assert.equal(o.k[0][0], 48, "one row per frame");
      assert.ok(o.k[0][1] > 40, `a kymograph along the drawn line: ${out}`);
      await L.page.locator(`${widget("kymo")} canvas.pssr-kymo`).first().waitFor();
      assert.ok((await canvasRange(L.page, `${widget("kymo")} canvas.pssr-kymo >> nth=0`)) > 20, "the kymograph is drawn (not blank)");
      assert.notEqual(await canvasHash(L.page, `${widget("kymo")} canvas.pssr-frame`), frameBefore, "the polyline is drawn on the frame");
      await shot("kymo", "kymograph-polyline");
      assertNoProblems("Kymograph");
    });

    test("ErrorMap: the ceiling slider changes the kernel state and the map", { timeout: 180_000 }, async () => {
      await show("em", `const em = new ErrorMap(lr, bil, { title: "bilinear vs low-res" });\nem.display();`);
      const sel = `${widget("em")} canvas.pssr-canvas`;
      await L.page.locator(sel).first().waitFor();
      const before = await canvasHash(L.page, sel);
      const v0 = Number(await runCell(L.page, `console.log(em.get("vmax_percentile"))`));
      await clickSlider(`${widget("em")} .pssr-vmax`, 0.1);
      const v = Number(await waitForKernelState(L.page, `console.log(em.get("vmax_percentile"))`, (s) => Number(s) !== v0));
      assert.ok(v < v0, `ceiling percentile ${v0} -> ${v}`);
      await waitCanvasChange(sel, before);
      await shot("em", "errormap-ceiling");
      assertNoProblems("ErrorMap");
    });

    test("TrainingMonitor: the stop button ends a running train() cleanly at the end of a step", { timeout: 300_000 }, async () => {
      const index = await startCell(
        L.page,
        `await selectBackend();\n` +
          `const srcs = ["em/emdiffuse_demo/mouse_liver_0.tif", "em/emdiffuse_demo/microns_mouse_cortex_0.tif"].map(async (f) => sourceFromImage(f, await readImage(samplePath(f))));\n` +
          `const mon = new TrainingMonitor({ title: "stopped from the lab" });\n` +
          `mon.display();\n` +
          `const res = await train({ sources: await Promise.all(srcs), outDir: process.env.PSSR_NOTEBOOK_OUT + "/lab-stop", recipe: "pssr-em", model: { preset: "tiny", scale: 4 }, seed: 1,\n` +
          `  epochs: 200, stepsPerEpoch: 3, batchSize: 2, patchPx: 64, validationFraction: 0.5, validationPatches: 2, signal: mon.signal, onProgress: (e) => mon.progress(e) });\n` +
          `mon.finish();\n` +
          `console.log("interrupted", res.interrupted, "epochs", res.epochsCompleted);`,
        "mon",
      );
      await L.page.locator(`${widget("mon")} .pssr-stop`).waitFor({ timeout: 60_000 });
      await L.page.locator(widget("mon")).scrollIntoViewIfNeeded();
      // let it train a couple of epochs, with the loss drawn
      await L.page.waitForFunction((s) => Number(/epoch (\d+)\//.exec(document.querySelector(s)?.textContent ?? "")?.[1] ?? 0) >= 2, `${widget("mon")} .pssr-stats`, { timeout: 180_000 });
      await L.page.waitForFunction((s) => document.querySelectorAll(s).length > 0, `${widget("mon")} .pssr-loss .scatterlayer path.js-line`);
      await shot("mon", "monitor-running");
      assert.ok((await pendingCells(L.page)) >= 1, "train() still running");
      await L.page.locator(`${widget("mon")} .pssr-stop`).click();
      const outs = await waitCell(L.page, index, 120_000);
      assert.equal(outs.error, null, `the stopped cell ended without error: ${outs.error}`);
      const m = /interrupted true epochs (\d+)/.exec(outs.stdout);
      assert.ok(m && Number(m[1]) >= 1 && Number(m[1]) < 200, outs.stdout);
      const s = JSON.parse(await runCell(L.page, `console.log(JSON.stringify({ stop: mon.get("stop_requested"), running: mon.get("running"), status: mon.get("status") }))`));
      assert.equal(s.stop, true);
      assert.equal(s.running, false);
      await L.page.waitForFunction((sel) => (document.querySelector(sel) as HTMLButtonElement)?.disabled === true, `${widget("mon")} .pssr-stop`);
      await shot("mon", "monitor-stopped");
      assertNoProblems("TrainingMonitor");
    });
  });

  /** Run All over six 0.8 s cells with `kernel`, sampling the status the lab shows about every 0.1 s. */
  async function sampleRunAll(kernel: { name: string; display: string; language: string }, cells: string[]) {
    const file = `status-${kernel.name}.ipynb`;
    writeNotebook(file, cells, kernel);
    await openNotebook(L.page, file, L);
    const samples: { display: string; pending: number }[] = [];
    await runAll(L.page, 120_000, async () => {
      const [st, pending] = await Promise.all([kernelStatus(L.page), pendingCells(L.page)]);
      samples.push({ display: st.display, pending });
    });
    await L.page.waitForFunction(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus === "idle", null, { timeout: 10_000 });
    await closeNotebook();
    const whileRunning = samples.filter((s) => s.pending > 0);
    // the longest run of consecutive idle samples while cells were still pending, from the first
    // busy on (before it, the first request is on its way to the kernel)
    let longest = 0;
    let run = 0;
    const firstBusy = whileRunning.findIndex((s) => s.display === "busy");
    for (const s of whileRunning.slice(Math.max(0, firstBusy))) {
      run = s.display === "idle" ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    return { idle: whileRunning.filter((s) => s.display === "idle").length, running: whileRunning.length, longestIdleRun: longest, trace: samples.map((s) => s.display[0] + s.pending).join(" ") };
  }

  test("kernel status during Run All: busy while queued cells run, idle only between them", { timeout: 240_000 }, async () => {
    // JupyterLab sends all six execute requests at once; a kernel that publishes busy when each
    // request arrives and idle when each ends shows Idle while later cells still run (such a
    // kernel read idle in 35-44 of ~47 samples, 6-8 in a row, i.e. whole cells).
    const ours = await sampleRunAll({ name: KERNEL, display: "TypeScript (pssr-lab)", language: "typescript" }, Array.from({ length: 6 }, (_, i) => `await new Promise((r) => setTimeout(r, 800));\nconsole.log("cell ${i}");`));
    // For the record, not asserted: Debian's ipykernel (6.17) under the same sampling; it shows
    // the same symptom in this lab.
    const ipykernel = await sampleRunAll({ name: "python3", display: "Python 3", language: "python" }, Array.from({ length: 6 }, (_, i) => `import time\ntime.sleep(0.8)\nprint("cell ${i}")`));
    console.log(`# kernel status while cells were pending (i/b = idle/busy, then the number of cells pending): pssr ${ours.idle} idle of ${ours.running}, longest idle run ${ours.longestIdleRun} [${ours.trace}]; ipykernel ${ipykernel.idle} of ${ipykernel.running}, longest ${ipykernel.longestIdleRun} [${ipykernel.trace}]`);
    writeFileSync(join(artifactsDir, "kernel-status-samples.json"), JSON.stringify({ pssr: ours, ipykernel }, null, 1) + "\n");
    assert.ok(ours.running >= 30, `enough samples: ${ours.running}`);
    // Idle may show for an instant between two requests (a sample or two); never for a cell (6-8 samples).
    assert.ok(ours.longestIdleRun <= 3, `the lab showed our kernel idle for ${ours.longestIdleRun} samples in a row while cells were queued: ${ours.trace}`);
    assert.ok(ours.idle <= ours.running * 0.25, `idle in ${ours.idle} of ${ours.running} samples while cells were queued: ${ours.trace}`);
    assertNoProblems("status");
  });

  test("kernel status while a cell runs and a widget sends comm messages: busy until the cell ends", { timeout: 180_000 }, async () => {
    writeNotebook("status-comms.ipynb", []);
    await openNotebook(L.page, "status-comms.ipynb", L);
    await runCell(L.page, `import { ImageCompare, pyramidCrop, readImage, getPlane, samplePath } from "pssr-lab";\nconst img = getPlane(await readImage(samplePath("em/emdiffuse_demo/mouse_liver_1.tif")));\nnew ImageCompare([{ name: "a", image: img }, { name: "b", image: img }]).display();`, 120_000, "status-cmp");
    const canvas = L.page.locator(`[data-pssr-test="status-cmp"] canvas.pssr-canvas`).first();
    await canvas.waitFor();
    await canvas.scrollIntoViewIfNeeded();
    const index = await startCell(L.page, `await new Promise((r) => setTimeout(r, 5000));\nconsole.log("done");`);
    const box = (await canvas.boundingBox())!;
    await L.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const samples: string[] = [];
    const t0 = Date.now();
    // zoom steps send the view to the kernel (comm messages on the shell channel) while the cell sleeps
    while (Date.now() - t0 < 4000) {
      await L.page.mouse.wheel(0, -60);
      samples.push((await kernelStatus(L.page)).display);
      await L.page.waitForTimeout(100);
    }
    const r = await waitCell(L.page, index, 30_000);
    assert.equal(r.error, null);
    const idle = samples.filter((s) => s === "idle").length;
    console.log(`# kernel status while one cell ran and the widget sent comm messages: ${idle} idle of ${samples.length}`);
    assert.ok(samples.length >= 10);
    assert.ok(idle <= 1, `idle in ${idle} of ${samples.length} samples while a cell was running`);
    await closeNotebook();
    assertNoProblems("status with comms");
  });
});


describe("Jupyter Notebook 7 built from npm, with the pssr-lab kernel and widgets", { concurrency: false, skip: skipUnless("notebook") }, () => {
  before(async () => {
    const t0 = Date.now();
    L = await startLab({ frontend: "notebook", prefix: "pssr-notebook7-" });
    timings.notebook7_start_s = (Date.now() - t0) / 1000;
    console.log(`# Notebook ${L.version} up in ${timings.notebook7_start_s.toFixed(1)} s at ${L.baseUrl}`);
  });

  after(async () => {
    if (!L) return;
    const allowed = [...L.allowedSeen].map(([message, count]) => ({ message, count, reason: CONSOLE_ALLOW.find((a) => a.pattern.test(message))?.reason }));
    writeFileSync(join(artifactsDir, "summary-notebook7.json"), JSON.stringify({ notebook: L.version, seconds: timings, allowedConsoleMessages: allowed }, null, 1) + "\n");
    await L.close();
  });

  test("Notebook 7 runs our build and loads the prebuilt widgets extension", async () => {
    assert.match(L.version, /^7\.\d+\.\d+$/);
    const cfg = await L.page.evaluate(() => JSON.parse(document.getElementById("jupyter-config-data")!.textContent!));
    assert.ok(cfg.federated_extensions.some((e: any) => e.name === "pssr-lab-widgets"), JSON.stringify(cfg.federated_extensions));
    assertNoProblems("Notebook 7 start");
  });

  for (const path of NOTEBOOKS) {
    test(`${path} in Notebook 7: Run All finishes every cell, no error output, every widget renders, clean console`, { timeout: 900_000 }, () => runNotebook(path, "-notebook7"));
  }
});
