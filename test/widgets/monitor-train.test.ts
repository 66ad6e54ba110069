// TrainingMonitor on the real training loop: train()'s progress events fill the curves, and
// the stop button's path (stop_requested from the front end) aborts train() cleanly.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { selectBackend } from "../../src/backend/index.js";
import { readImage } from "../../src/io/read.js";
import { sourceFromImage, train, type SourceImage } from "../../src/train/index.js";
import { TrainingMonitor } from "../../src/widgets/index.js";
import { samplesDir } from "../helpers.js";

test("train() with a TrainingMonitor: curves from its events, stop ends the run after the current step", async () => {
  await selectBackend({ name: "wasm" });
  const sources: SourceImage[] = [];
  for (const f of ["microns_mouse_cortex_0.tif", "mouse_liver_0.tif"]) sources.push(sourceFromImage(f, await readImage(join(samplesDir, "em", "emdiffuse_demo", f))));
  const out = mkdtempSync(join(tmpdir(), "pssr-monitor-train-"));
  try {
    const monitor = new TrainingMonitor({ sendIntervalMs: 0 });
    let events = 0;
    let steps = 0;
    const result = await train({
      sources,
      outDir: out,
      recipe: "pssr-em",
      model: { preset: "tiny", arch: "resunet-lr", scale: 4 },
      epochs: 5,
      stepsPerEpoch: 3,
      batchSize: 2,
      patchPx: 32,
      validationFraction: 0.5,
      validationPatches: 2,
      seed: 3,
      signal: monitor.signal,
      onProgress: (e) => {
        events++;
        monitor.progress(e);
        if (e.type === "step") steps++;
        // what the view's stop button does: set stop_requested from the front end
        if (e.type === "epoch" && e.epoch === 1) monitor.set({ stop_requested: true });
      },
    });
    monitor.finish();
    assert.ok(events > 0);
    assert.equal(result.interrupted, true);
    assert.ok(result.epochsCompleted >= 1 && result.epochsCompleted < 5, String(result.epochsCompleted));
    assert.equal(monitor.get("steps").length, steps);
    assert.deepEqual(monitor.get("steps"), Array.from({ length: steps }, (_, i) => i + 1));
    assert.equal(monitor.get("val_epochs").length, result.history.length);
    assert.equal(monitor.get("val_psnr")[0], result.history[0].validation.psnr);
    assert.equal(monitor.get("bilinear_psnr")[0], result.history[0].validation.bilinearPsnr);
    assert.equal(monitor.get("running"), false);
    assert.match(monitor.get("status"), /stopped by the user/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
