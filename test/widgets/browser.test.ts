// The widgets in a real browser against a real kernel: Debian's Chromium (playwright-core)
// loads a page that starts the project's kernel on Debian's jupyter_server, runs code that
// creates each widget, and renders it with @jupyter-widgets/html-manager. Each test interacts
// as a user would (wheel, drag, click a slider, draw a line, press stop), then checks the
// kernel-side state (code that prints it) and that the canvas / DOM changed. Screenshots go
// to test-artifacts/widgets/. Also measured: CrappifierTuner slider change -> new 512x512
// preview drawn (a benchmark, not an assertion): into test-artifacts/widgets.json, or into
// bench/results/widgets.json (the docs table) when PSSR_BENCH_RESULTS=1, so that a test run
// leaves the tracked files alone.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { repoRoot, samplesDir } from "../helpers.js";
import { artifactsDir, canvasHash, exec, startHarness, waitForKernel, type Harness } from "./harness.js";

const sample = (p: string) => JSON.stringify(join(samplesDir, p));

let H: Harness;

/** The n-th rendered widget host (in display order). */
const host = (n: number) => `.pssr-widget-host >> nth=${n}`;

async function shot(name: string, n: number): Promise<void> {
  await H.page.locator(host(n)).screenshot({ path: join(artifactsDir, `${name}.png`) });
}

async function hostCount(): Promise<number> {
  return H.page.locator(".pssr-widget-host").count();
}

/** Clicks a range input at fraction `t` of its width (a real mouse click on the slider track). */
async function clickSlider(selector: string, t: number): Promise<void> {
  await H.page.locator(selector).scrollIntoViewIfNeeded();
  const box = (await H.page.locator(selector).boundingBox())!;
  await H.page.mouse.click(box.x + 8 + t * (box.width - 16), box.y + box.height / 2);
}

describe("widgets in Chromium with a live pssr kernel", { timeout: 240_000 }, () => {
  before(async () => {
    H = await startHarness();
    const W = JSON.stringify(join(H.pkgDir, "dist", "src", "widgets", "index.js"));
    const LIB = JSON.stringify(join(H.pkgDir, "dist", "src", "index.js"));
    const r = await exec(
      H.page,
      `import { ImageCompare, ErrorMap, FRCPlot, Kymograph, CrappifierTuner, TrainingMonitor, pyramidCrop } from ${W};\n` +
        `import { readImage, getPlane, imageFromPlanes, upsampleBilinear } from ${LIB};\n` +
        `const liver = getPlane(await readImage(${sample("em/emdiffuse_demo/mouse_liver_1.tif")}));\n` +
        `const lr = pyramidCrop(liver, 4);\n` +
        `const bil = upsampleBilinear(lr, 4);\n` +
        `console.log("ready", liver.height, lr.height, bil.height);`,
    );
    assert.match(r.stdout, /ready 256 64 256/);
  });

  after(async () => {
    if (H) {
      assert.deepEqual(H.consoleErrors, [], "the page logged errors");
      await H.close();
    }
  });

  test("ImageCompare: wheel zoom and drag sync the view, the kernel sends a finer pyramid crop; LUT and swipe", async () => {
    const n = await hostCount();
    await exec(
      H.page,
      // A 2048x2048 "restoration" with a one-pixel checkerboard: the 256 px overview (8x block means)
      // averages it away; only the finer crops the kernel sends on zoom show it.
      `const big = { data: new Float32Array(2048 * 2048), height: 2048, width: 2048 };\n` +
        `for (let y = 0; y < 2048; y++) for (let x = 0; x < 2048; x++) big.data[y * 2048 + x] = liver.data[(y >> 3) * 256 + (x >> 3)] + ((x ^ y) & 1) * 60;\n` +
        `const cmp = new ImageCompare([{ name: "low-res", image: lr }, { name: "restored (2048 px)", image: big }, { name: "high-res", image: liver }], { pixelSizeNm: 2, overviewPx: 256, viewSizePx: 300 });\n` +
        `cmp.display();`,
    );
    const el = H.page.locator(host(n));
    const canvas = el.locator("canvas.pssr-canvas").nth(1);
    await canvas.waitFor();
    await H.page.waitForFunction((i) => Number(document.querySelectorAll(".pssr-widget-host")[i].querySelector(".pssr-widget")?.getAttribute("data-draws") ?? 0) > 0, n);
    const sel = `${host(n)} >> canvas.pssr-canvas >> nth=1`;
    const before = await canvasHash(H.page, sel);
    await shot("imagecompare-initial", n);
    const box = (await canvas.boundingBox())!;
    await H.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    for (let i = 0; i < 10; i++) await H.page.mouse.wheel(0, -120);
    // drag to pan a little
    await H.page.mouse.down();
    await H.page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.45, { steps: 5 });
    await H.page.mouse.up();
    const state = await waitForKernel(H.page, `console.log(JSON.stringify({ view: cmp.get("view"), details: cmp.detailsSent }))`, (s) => {
      const o = JSON.parse(s);
      return o.details > 0 && o.view.x1 - o.view.x0 < 0.2;
    });
    const o = JSON.parse(state);
    assert.ok(o.view.x0 > 0.3 && o.view.x1 < 0.7, `zoomed about the centre: ${state}`);
    await H.page.waitForFunction((i) => (document.querySelectorAll(".pssr-widget-host")[i].querySelector(".pssr-widget") as HTMLElement)?.dataset.detailFactor === "1", n);
    const zoomed = await canvasHash(H.page, sel);
    assert.notEqual(zoomed, before);
    await H.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    const readout = await el.locator(".pssr-readout").textContent();
    assert.match(readout ?? "", /restored \(2048 px\): x [\d.]+ (nm|µm), y [\d.]+ (nm|µm) = /);
    await shot("imagecompare-zoomed", n);
    // LUT of the first panel
    await el.locator(".pssr-lut").first().selectOption("magma");
    await waitForKernel(H.page, `console.log(cmp.get("contrast")[0].lut)`, (s) => s.trim() === "magma");
    // swipe mode: one canvas with both images
    await el.locator(".pssr-mode").selectOption("swipe");
    await waitForKernel(H.page, `console.log(cmp.get("mode"))`, (s) => s.trim() === "swipe");
    assert.equal(await el.locator("canvas.pssr-canvas").count(), 1);
    await shot("imagecompare-swipe", n);
  });

  test("ErrorMap: the colour-ceiling slider changes the kernel state and the map", async () => {
    const n = await hostCount();
    await exec(H.page, `const em = new ErrorMap(lr, bil, { title: "bilinear vs low-res" });\nem.display();\nconsole.log(em.get("rse"), em.get("rsp"));`);
    const el = H.page.locator(host(n));
    await el.locator("canvas.pssr-canvas").waitFor();
    const sel = `${host(n)} >> canvas.pssr-canvas`;
    const before = await canvasHash(H.page, sel);
    assert.match((await el.locator(".pssr-stats").textContent()) ?? "", /RSE [\d.]+ +RSP 0\.\d+/);
    await clickSlider(`${host(n)} >> .pssr-vmax`, 0.1);
    const v = Number(await waitForKernel(H.page, `console.log(em.get("vmax_percentile"))`, (s) => Number(s) < 70));
    assert.ok(v >= 50 && v < 70, String(v));
    assert.notEqual(await canvasHash(H.page, sel), before);
    await shot("errormap", n);
  });

  test("FRCPlot: choosing another threshold recomputes the curves in the kernel and redraws", async () => {
    const n = await hostCount();
    await exec(H.page, `const fp = new FRCPlot([{ name: "bilinear", image: bil }, { name: "high-res", image: liver }]);\nfp.display();`);
    const el = H.page.locator(host(n));
    await el.locator(".pssr-plot .scatterlayer").waitFor();
    const plotSvg = () => el.locator(".pssr-plot .scatterlayer").innerHTML();
    const before = await plotSvg();
    await el.locator(".pssr-threshold").selectOption("half-bit");
    const out = await waitForKernel(H.page, `console.log(fp.results.map((r) => r.threshold).join(","), JSON.stringify(fp.get("curves")[0].threshold.slice(0, 3)))`, (s) => s.startsWith("half-bit,half-bit"));
    assert.ok(!out.includes("0.14285"), out);
    await H.page.waitForFunction(([i, b]) => document.querySelectorAll(".pssr-widget-host")[i as number].querySelector(".scatterlayer")!.innerHTML !== b, [n, before] as const);
    assert.match((await el.locator(".pssr-stats").textContent()) ?? "", /bilinear: [\d.]+ px/);
    await shot("frcplot", n);
  });

  test("Kymograph: a polyline drawn on the frame gives kymographs of both series; max instead of mean", async () => {
    const n = await hostCount();
    await exec(
      H.page,
      `const cells = await readImage(${sample("fluo/cancer_cell_migration_crop_48x130x130.tif")});\n` +
        `const cellsLR = imageFromPlanes(Array.from({ length: 48 }, (_, t) => pyramidCrop(getPlane(cells, t), 2)), { leadingShape: [48], leadingAxes: "T" });\n` +
        `const ky = new Kymograph([{ name: "high-res", stack: cells }, { name: "low-res (2x)", stack: cellsLR }], { widthPx: 3 });\n` +
        `ky.display();`,
    );
    const el = H.page.locator(host(n));
    const frame = el.locator("canvas.pssr-frame");
    await frame.waitFor();
    await el.scrollIntoViewIfNeeded();
    const box = (await frame.boundingBox())!;
    const at = (u: number, v: number) => [box.x + u * box.width, box.y + v * box.height] as const;
    await H.page.mouse.click(...at(0.2, 0.3));
    await H.page.mouse.click(...at(0.5, 0.5));
    await H.page.mouse.click(...at(0.8, 0.4));
    await H.page.mouse.dblclick(...at(0.8, 0.4));
    const out = await waitForKernel(H.page, `console.log(JSON.stringify({ n: ky.get("polyline").length, k: ky.results.map((r) => [r.kymograph.height, r.kymograph.width, r.reduce]) }))`, (s) => JSON.parse(s).k.length === 2);
    const o = JSON.parse(out);
    assert.equal(o.n, 3, out);
    assert.equal(o.k[0][0], 48);
    assert.equal(o.k[1][0], 48);
    // the LR series is on a 2x coarser grid: its line is about half as long
    assert.ok(Math.abs(o.k[1][1] - o.k[0][1] / 2) <= 2, out);
    await el.locator("canvas.pssr-kymo").nth(1).waitFor();
    const kymoBefore = await canvasHash(H.page, `${host(n)} >> canvas.pssr-kymo >> nth=0`);
    await el.locator(".pssr-reduce").selectOption("max");
    await waitForKernel(H.page, `console.log(ky.results[0].reduce)`, (s) => s.trim() === "max");
    await H.page.waitForFunction(([i, b]) => {
      const c = document.querySelectorAll(".pssr-widget-host")[i as number].querySelector("canvas.pssr-kymo") as HTMLCanvasElement;
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let h = 2166136261;
      for (let k = 0; k < d.length; k++) h = Math.imul(h ^ d[k], 16777619);
      return `${c.width}x${c.height}:${(h >>> 0).toString(16)}` !== b;
    }, [n, kymoBefore] as const);
    await shot("kymograph", n);
  });

  test("CrappifierTuner: sliders re-render in the kernel, drags coalesce, fit to real calibrates; 512x512 timing", async () => {
    const n = await hostCount();
    await exec(
      H.page,
      `const clean = await readImage(${sample("pairs/emdiffuse_brain_noisy_clean/pair1_gt_clean.tif")});\n` +
        `const noisy = await readImage(${sample("pairs/emdiffuse_brain_noisy_clean/pair1_input_noisy.tif")});\n` +
        `const tuner = new CrappifierTuner(clean, noisy, { recipe: "physical", scaleFactor: 1, previewPx: 512, seed: 3 });\n` +
        `tuner.display();\n` +
        `console.log(tuner.get("preview")!.height, tuner.get("preview")!.width);`,
    );
    const el = H.page.locator(host(n));
    await el.locator("canvas.pssr-preview").waitFor();
    const sel = `${host(n)} >> canvas.pssr-preview`;
    await H.page.waitForFunction((i) => (document.querySelectorAll(".pssr-widget-host")[i].querySelector(".pssr-widget") as HTMLElement)?.dataset.lastDrawn === "preview", n);
    const before = await canvasHash(H.page, sel);
    const renders0 = Number((await exec(H.page, `console.log(tuner.renders)`)).stdout);
    // a real click on the read-noise slider
    await clickSlider(`${host(n)} >> input[data-param="readNoiseAdu"]`, 0.8);
    const rn = Number(await waitForKernel(H.page, `console.log(tuner.get("rendered_params").readNoiseAdu)`, (s) => Number(s) > 1));
    assert.ok(rn > 1, String(rn));
    await H.page.waitForFunction(([i, b]) => {
      const c = document.querySelectorAll(".pssr-widget-host")[i as number].querySelector("canvas.pssr-preview") as HTMLCanvasElement;
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let h = 2166136261;
      for (let k = 0; k < d.length; k++) h = Math.imul(h ^ d[k], 16777619);
      return `${c.width}x${c.height}:${(h >>> 0).toString(16)}` !== b;
    }, [n, before] as const);
    await shot("tuner-slider", n);

    // A fast drag: 40 input events in one go. The kernel must not render 40 times.
    const r1 = Number((await exec(H.page, `console.log(tuner.renders)`)).stdout);
    assert.ok(r1 > renders0);
    const last = await H.page.evaluate((i) => {
      const input = document.querySelectorAll(".pssr-widget-host")[i].querySelector('input[data-param="hrPhotonsAtMax"]') as HTMLInputElement;
      for (let k = 0; k < 40; k++) {
        input.value = String(300 + k * 10);
        input.dispatchEvent(new Event("input"));
      }
      return JSON.parse((document.querySelectorAll(".pssr-widget-host")[i].querySelector(".pssr-widget") as HTMLElement).dataset.lastParam!).value;
    }, n);
    const final = await waitForKernel(H.page, `console.log(tuner.get("rendered_params").hrPhotonsAtMax, tuner.renders)`, (s) => Number(s.split(" ")[0]) === Number(last));
    const drags = Number(final.split(" ")[1]) - r1;
    assert.ok(drags >= 1 && drags <= 5, `40 slider events caused ${drags} renders (expected them to coalesce)`);

    // Benchmark: slider change -> new preview drawn, one change at a time.
    const { times, draws } = await H.page.evaluate(async (i) => {
      const root = document.querySelectorAll(".pssr-widget-host")[i].querySelector(".pssr-widget") as HTMLElement;
      const input = root.querySelector('input[data-param="readNoiseAdu"]') as HTMLInputElement;
      const out: number[] = [];
      const drawMs: number[] = [];
      for (let k = 0; k < 15; k++) {
        const drawn = new Promise<number>((resolve) => root.addEventListener("pssr-drawn", (e: any) => e.detail.what === "preview" && resolve(e.detail.t), { once: false }));
        const t0 = performance.now();
        input.value = String(200 + ((k * 37) % 700));
        input.dispatchEvent(new Event("input"));
        out.push((await drawn) - t0);
        drawMs.push(Number(root.dataset.drawMs));
        // a user looks at the result before moving the slider again
        await new Promise((r) => setTimeout(r, 300));
      }
      return { times: out, draws: drawMs };
    }, n);
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const kernelMs = Number((await exec(H.page, `console.log(tuner.get("render_ms"))`)).stdout);
    console.log(`CrappifierTuner slider -> 512x512 preview drawn: median ${median.toFixed(1)} ms over ${times.length} changes (min ${sorted[0].toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)}; last kernel render ${kernelMs.toFixed(1)} ms, median browser draw ${[...draws].sort((a, b) => a - b)[draws.length >> 1].toFixed(1)} ms); target 150 ms`);
    writeBench(median, times.length);

    // fit to real: calibrate() against the real noisy acquisition
    await el.locator(".pssr-fit").click();
    const fit = await waitForKernel(H.page, `console.log(tuner.calibration ? "fitted " + tuner.calibration.fit.gain : "no", tuner.get("status"))`, (s) => s.startsWith("fitted"), 60_000);
    assert.match(fit, /fitted to the real image/);
    const code = (await exec(H.page, `console.log(tuner.code())`)).stdout;
    assert.match(code, /^crappify\(hr, \{"name":"physical","params":\{.*"gainAduPerPhoton"/);
    await el.locator("details summary").click();
    assert.match((await el.locator(".pssr-code").textContent()) ?? "", /"name": "physical"/);
    await H.page.waitForTimeout(300);
    await shot("tuner-fitted", n);
  });

  test("TrainingMonitor: live curves and prediction while a loop runs; stop ends the running cell cleanly", async () => {
    const n = await hostCount();
    await H.page.evaluate(
      (code) => {
        // not awaited: the cell keeps running while the test presses stop
        (window as any).monitorRun = (window as any).exec(code);
      },
      `const mon = new TrainingMonitor({ title: "test run" });\nmon.display();\n` +
        `mon.update({ type: "start", epochs: 100, stepsPerEpoch: 10, startEpoch: 0, parameters: 1234, backend: "cpu" });\n` +
        `let stoppedAt = -1;\n` +
        `for (let epoch = 1; epoch <= 100; epoch++) {\n` +
        `  for (let step = 1; step <= 10; step++) {\n` +
        `    mon.update({ type: "step", epoch, epochs: 100, step, steps: 10, loss: 1 / (epoch * 10 + step), learningRate: 1e-3 * Math.exp(-epoch / 20), samplesPerSecond: 100, etaSeconds: 10 });\n` +
        `    await new Promise((r) => setTimeout(r, 15));\n` +
        `    if (mon.signal.aborted) break;\n` +
        `  }\n` +
        `  mon.update({ type: "epoch", epoch, epochs: 100, trainLoss: 0.1 / epoch, validation: { loss: 0.1, psnr: 20 + epoch * 0.2, ssim: 0.5 + epoch * 0.01, bilinearPsnr: 19, bilinearSsim: 0.45 }, best: true, seconds: 0.2 });\n` +
        `  mon.setPreview({ data: liver.data.map((v, i) => v * (1 - 0.5 / epoch) + ((i * 7919) % 64) / epoch), height: 256, width: 256 });\n` +
        `  if (mon.signal.aborted) { stoppedAt = epoch; break; }\n` +
        `}\n` +
        `mon.finish();\n` +
        `console.log("stopped at epoch", stoppedAt);`,
    );
    const el = H.page.locator(host(n));
    await el.locator(".pssr-stop").waitFor();
    await el.scrollIntoViewIfNeeded();
    await H.page.waitForFunction((i) => Number(/epoch (\d+)\/100/.exec(document.querySelectorAll(".pssr-widget-host")[i].querySelector(".pssr-stats")?.textContent ?? "")?.[1] ?? 0) >= 4, n, { timeout: 30_000 });
    await H.page.waitForFunction((i) => document.querySelectorAll(".pssr-widget-host")[i].querySelectorAll(".pssr-loss .scatterlayer path.js-line").length > 0, n);
    await shot("monitor-running", n);
    assert.equal(await el.locator(".pssr-stop").isEnabled(), true);
    await el.locator(".pssr-stop").click();
    const run = await H.page.evaluate(() => (window as any).monitorRun);
    assert.equal(run.error, null);
    // finish() re-sent the displayed output: its static copy is the finished run (preview PNG)
    assert.deepEqual(run.updates, [["application/vnd.jupyter.widget-view+json", "image/png", "text/plain"]]);
    const m = /stopped at epoch (\d+)/.exec(run.stdout);
    assert.ok(m && Number(m[1]) >= 3 && Number(m[1]) < 100, run.stdout);
    const state = (await exec(H.page, `console.log(JSON.stringify({ stop: mon.get("stop_requested"), running: mon.get("running"), epochs: mon.get("val_epochs").length, steps: mon.get("steps").length, status: mon.get("status") }))`)).stdout;
    const s = JSON.parse(state);
    assert.equal(s.stop, true);
    assert.equal(s.running, false);
    assert.equal(s.epochs, Number(m![1]));
    assert.match(s.status, /stopped/);
    await H.page.waitForFunction((i) => (document.querySelectorAll(".pssr-widget-host")[i].querySelector(".pssr-stop") as HTMLButtonElement).disabled, n);
    assert.match((await el.locator(".pssr-stats").textContent()) ?? "", /stopped by the user/);
    await shot("monitor-stopped", n);
  });
});

function writeBench(medianMs: number, n: number): void {
  const dir = process.env.PSSR_BENCH_RESULTS === "1" ? join(repoRoot, "bench", "results") : join(repoRoot, "test-artifacts");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "widgets.json");
  let rows: any[] = [];
  if (existsSync(file)) {
    try {
      rows = JSON.parse(readFileSync(file, "utf8"));
      if (!Array.isArray(rows)) rows = [];
    } catch {
      rows = [];
    }
  }
  rows = rows.filter((r) => r.name !== "tuner_slider_512");
  rows.push({ name: "tuner_slider_512", ours_ms: Number(medianMs.toFixed(2)), peer: "none", peer_ms: null, ratio: null, backend: "cpu-js", shape: "512x512", samples: n, measured: "Chromium + jupyter_server + pssr kernel: slider input event -> kernel crappify (physical recipe, seed fixed) -> 512x512 float32 preview over the websocket -> canvas drawn; median of 15 changes 300 ms apart (the noise curve follows the image)" });
  writeFileSync(file, JSON.stringify(rows, null, 2) + "\n");
}
