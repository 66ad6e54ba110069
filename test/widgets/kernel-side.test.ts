// Kernel-side widget classes without a kernel (plain node): pyramid levels against numpy,
// state contents, the tuner's coalescing-free API, the monitor's event handling and stop,
// and the embedded-state document against ipywidgets' own JSON schema (python3-jsonschema).
import assert from "node:assert/strict";
import { calibrate } from "../../src/crappify/index.js";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { randomPlane as sharedRandomPlane, repoRoot, runPython, samplesDir } from "../helpers.js";
import { getPlane, type Plane } from "../../src/image/image.js";
import { readImage } from "../../src/io/read.js";
import { CrappifierTuner, ErrorMap, FRCPlot, ImageCompare, Kymograph, TrainingMonitor, pyramidCrop, widgetState } from "../../src/widgets/index.js";

const work = mkdtempSync(join(tmpdir(), "pssr-widgets-unit-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** Values in [-100, 900): negative ones too, as a background-subtracted image has. */
function randomPlane(h: number, w: number, seed = 1): Plane {
  return sharedRandomPlane(h, w, seed, "uniform", 1000, -100);
}

describe("widgets, kernel side", () => {
  test("pyramidCrop equals numpy block means (partial edge blocks averaged over their pixels)", () => {
    const p = randomPlane(203, 317);
    writeFileSync(join(work, "p.bin"), Buffer.from(p.data.buffer));
    let worst = 0;
    for (const [f, r0, r1, c0, c1] of [
      [1, 10, 50, 20, 90],
      [2, 0, 203, 0, 317],
      [4, 3, 200, 5, 301],
      [8, 0, 203, 0, 317],
      [16, 17, 203, 40, 317],
    ]) {
      const ours = pyramidCrop(p, f, r0, r1, c0, c1);
      runPython("widgets_pyramid.py", [join(work, "p.bin"), "203", "317", String(f), String(r0), String(r1), String(c0), String(c1), join(work, "ref.bin")]);
      const bytes = readFileSync(join(work, "ref.bin"));
      const ref = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      assert.equal(ours.height, Math.ceil((r1 - r0) / f));
      assert.equal(ours.width, Math.ceil((c1 - c0) / f));
      assert.equal(ref.length, ours.data.length);
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - ours.data[i]));
    }
    console.log(`pyramidCrop vs numpy nanmean blocks: max abs error ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-3, String(worst));
  });

  test("ImageCompare sends a pyramid level that fits, with pixel sizes per panel", () => {
    const big = randomPlane(3000, 2000);
    const small = randomPlane(750, 500, 2);
    const w = new ImageCompare([{ name: "lr", image: small }, { name: "sr", image: big }], { pixelSizeNm: 10, overviewPx: 512 });
    const [a, b] = w.get("panels");
    assert.equal(b.factor, 8);
    assert.equal(b.height, 375);
    assert.equal(b.width, 250);
    assert.equal(a.factor, 2);
    assert.equal(b.pixel_size_nm, 10);
    assert.equal(a.pixel_size_nm, 40);
    assert.ok(b.data instanceof Float32Array);
  });

  test("ImageCompare on an 8192x8192 image: a 1024 px overview, zoomed crops about the view's size", () => {
    const big = randomPlane(8192, 8192, 3);
    const w = new ImageCompare([{ name: "sr", image: big }], { viewSizePx: 400 });
    const [p] = w.get("panels");
    assert.deepEqual([p.factor, p.height, p.width], [8, 1024, 1024]);
    w.zoomTo({ x0: 0.5, y0: 0.5, x1: 0.55, y1: 0.55 }); // 410 full-res px across: factor 1
    assert.equal(w.lastDetail[0].factor, 1);
    assert.ok(w.lastDetail[0].width >= 410 && w.lastDetail[0].width <= 412, JSON.stringify(w.lastDetail));
    w.zoomTo({ x0: 0.25, y0: 0.25, x1: 0.5, y1: 0.5 }); // 2048 px across: level 4 gives 512 >= 400
    assert.equal(w.lastDetail[0].factor, 4);
    assert.equal(w.lastDetail[0].width, 512);
    w.zoomTo({ x0: 0.25, y0: 0.25, x1: 0.75, y1: 0.75 }); // 4096 px across: the overview (level 8, 512 px) suffices
    assert.equal(w.lastDetail.length, 0);
    assert.equal(w.lastDetail.length, 0);
  });

  test("FRCPlot recomputes on a threshold change; Kymograph computes on a polyline", async () => {
    const liver = getPlane(await readImage(join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif")));
    const f = new FRCPlot([{ name: "hr", image: liver }]);
    assert.equal(f.results[0].threshold, "1/7");
    f.set({ threshold: "half-bit" });
    await new Promise((r) => setImmediate(r));
    assert.equal(f.results[0].threshold, "half-bit");
    assert.notDeepEqual(f.get("curves")[0].threshold.slice(0, 3), [1 / 7, 1 / 7, 1 / 7]);
    const cells = await readImage(join(samplesDir, "fluo", "cancer_cell_migration_crop_48x130x130.tif"));
    const k = new Kymograph([{ name: "hr", stack: cells }], { polyline: [[10, 10], [100, 60]], widthPx: 3 });
    await new Promise((r) => setImmediate(r));
    assert.equal(k.results.length, 1);
    assert.equal(k.get("kymographs")[0].height, 48);
  });

  test("TrainingMonitor takes train()'s progress events and the generic ones; stop aborts its signal", async () => {
    const m = new TrainingMonitor({ sendIntervalMs: 0 });
    m.update({ type: "start", epochs: 2, stepsPerEpoch: 3, startEpoch: 0, parameters: 10, backend: "cpu" });
    for (let s = 1; s <= 3; s++) m.update({ type: "step", epoch: 1, epochs: 2, step: s, steps: 3, loss: 1 / s, learningRate: 1e-3, samplesPerSecond: 1, etaSeconds: 1 });
    m.update({ type: "epoch", epoch: 1, epochs: 2, trainLoss: 0.5, validation: { loss: 0.4, psnr: 25, ssim: 0.7, bilinearPsnr: 22, bilinearSsim: 0.6 }, best: true, seconds: 1 });
    m.update({ epoch: 2, step: 7, loss: 0.2, lr: 5e-4, valPsnr: 26, valSsim: 0.75, bilinearPsnr: 22, bilinearSsim: 0.6 });
    m.flush();
    assert.deepEqual(m.get("steps"), [1, 2, 3, 7]);
    assert.deepEqual(m.get("val_psnr"), [25, 26]);
    assert.deepEqual(m.get("bilinear_ssim"), [0.6, 0.6]);
    let stopped = 0;
    m.onStop(() => stopped++);
    assert.equal(m.signal.aborted, false);
    m.set({ stop_requested: true });
    await new Promise((r) => setImmediate(r));
    assert.equal(m.signal.aborted, true);
    assert.equal(stopped, 1);
    m.finish();
    assert.equal(m.get("running"), false);
    assert.match(m.get("status"), /stopped/);
  });

  test("CrappifierTuner renders on parameter changes and reads back as a recipe", async () => {
    const clean = await readImage(join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean", "pair1_gt_clean.tif"));
    const noisy = await readImage(join(samplesDir, "pairs", "emdiffuse_brain_noisy_clean", "pair1_input_noisy.tif"));
    // a real registered pair (same field, same grid): "fit to real" may use the clean image
    const t = new CrappifierTuner(clean, noisy, { recipe: "physical", scaleFactor: 1, previewPx: 256, seed: 5, registered: true });
    assert.equal(t.renders, 1);
    assert.equal(t.get("preview")!.height, 256);
    const before = t.get("preview")!.data.slice();
    t.setParams({ readNoiseAdu: 8 });
    assert.equal(t.renders, 2);
    assert.equal(t.get("rendered_params").readNoiseAdu, 8);
    assert.notDeepEqual(t.get("preview")!.data, before);
    assert.deepEqual(t.recipe().params.readNoiseAdu, 8);
    assert.match(t.code(), /^crappify\(hr, \{"name":"physical"/);
    await t.settled();
    assert.ok(t.get("synthetic_curve").length > 0 && t.get("real_curve").length > 0);
    const cal = t.fitToReal();
    assert.equal(t.get("params").gainAduPerPhoton, cal.recipe.params.gainAduPerPhoton);
    // An unrelated real acquisition (a noisy SEM patch of another field) is calibrated from the
    // real image alone by default: the fit equals calibrate() of that crop without a high-res image.
    const sem = getPlane(await readImage(join(samplesDir, "em", "emdiffuse_noisy_sem", "patch_0_1.tif")));
    const unrelated = new CrappifierTuner(clean, sem, { recipe: "physical", scaleFactor: 1, previewPx: 256, seed: 5 });
    const alone = unrelated.fitToReal();
    const direct = calibrate(sem, undefined, { seed: 5 });
    assert.equal(alone.fit.gain, direct.fit.gain);
    assert.equal(alone.fit.readNoiseVariance, direct.fit.readNoiseVariance);
  });

  test("the embedded state validates against ipywidgets' state schema", async () => {
    const liver = getPlane(await readImage(join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif")));
    const lr = pyramidCrop(liver, 4);
    const widgets = [new ImageCompare([{ name: "lr", image: lr }, { name: "hr", image: liver }]), new ErrorMap(lr, liver), new TrainingMonitor()];
    const doc = widgetState(widgets);
    const file = join(work, "state.json");
    writeFileSync(file, JSON.stringify(doc));
    const out = runPython("widgets_state_schema.py", [join(repoRoot, "node_modules", "@jupyter-widgets", "schema", "v2", "state.schema.json"), file]);
    assert.match(out, /^ok 3/);
    // images travel as buffers (base64 only inside this file format), never as JSON arrays
    const ic = doc.state[widgets[0].modelId] as any;
    assert.deepEqual(ic.buffers.map((b: any) => b.path), [["panels", 0, "data"], ["panels", 1, "data"]]);
    assert.equal(Buffer.from(ic.buffers[1].data, "base64").length, 256 * 256 * 4);
  });
});
