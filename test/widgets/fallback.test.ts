// Saved notebooks: a widget's display bundle carries, beside the widget view, a static PNG of
// its images and a text line saying how to get the live view back (re-run, or JupyterLab's
// "Save Widget State Automatically"), for viewers and reopened notebooks without widget state.
// The PNG is checked pixel by pixel against numpy + Pillow (test/ref/widgets_fallback.py).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runPython, samplesDir } from "../helpers.js";
import { getPlane, type Plane } from "../../src/image/image.js";
import { upsampleBilinear } from "../../src/image/resize.js";
import { readImage } from "../../src/io/read.js";
import { toMimeBundle } from "../../src/kernel/display.js";
import { ErrorMap, FRCPlot, ImageCompare, TrainingMonitor, pyramidCrop } from "../../src/widgets/index.js";

const work = mkdtempSync(join(tmpdir(), "pssr-widgets-fallback-"));
after(() => rmSync(work, { recursive: true, force: true }));
const VIEW = "application/vnd.jupyter.widget-view+json";

function raw(p: Plane, name: string): { path: string; height: number; width: number } {
  const path = join(work, `${name}.f32`);
  writeFileSync(path, Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  return { path, height: p.height, width: p.width };
}

test("ImageCompare and ErrorMap bundles: widget view + static PNG equal to numpy's composite + a text line saying what to do", async () => {
  const liver = getPlane(await readImage(join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif")));
  const lr = pyramidCrop(liver, 4);
  // a 1024 px panel is shown at 256 (block means of 4)
  const big = upsampleBilinear(liver, 4);
  const cmp = new ImageCompare([{ name: "low-res", image: lr }, { name: "bilinear 4x", image: big }, { name: "high-res", image: liver }]);
  // synchronous: a display sent after the cell's reply would be dropped by the front end
  assert.ok(!(toMimeBundle(cmp) instanceof Promise));
  const b = toMimeBundle(cmp) as Record<string, any>;
  assert.equal(b[VIEW].model_id, cmp.modelId);
  assert.match(b["text/plain"], /ImageCompare: low-res \| bilinear 4x \| high-res\. Static copy: .*re-run the cell.*Save Widget State Automatically/);
  const png = join(work, "cmp.png");
  writeFileSync(png, Buffer.from(b["image/png"], "base64"));
  const r = JSON.parse(runPython("widgets_fallback.py", [png, JSON.stringify([raw(lr, "lr"), raw(big, "big"), raw(liver, "liver")])]));
  assert.deepEqual(r.shape, [256, 64 + 8 + 256 + 8 + 256]);
  assert.ok(r.max_abs_diff !== null && r.max_abs_diff <= 1, JSON.stringify(r));

  const em = new ErrorMap(lr, upsampleBilinear(lr, 4));
  const e = (await toMimeBundle(em)) as Record<string, any>;
  assert.ok(e[VIEW] && e["image/png"]);
  assert.match(e["text/plain"], /^ErrorMap .*RSE [\d.]+, RSP [\d.]+\. Static copy/);
  const png2 = join(work, "em.png");
  writeFileSync(png2, Buffer.from(e["image/png"], "base64"));
  const r2 = JSON.parse(runPython("widgets_fallback.py", [png2, JSON.stringify([raw(em.result.map, "map")])]));
  assert.ok(r2.max_abs_diff !== null && r2.max_abs_diff <= 1, JSON.stringify(r2));
});

test("plot widgets without images say what they show in the text line", async () => {
  const liver = getPlane(await readImage(join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_1.tif")));
  const fp = new FRCPlot([{ name: "high-res", image: liver }]);
  const f = (await toMimeBundle(fp)) as Record<string, any>;
  assert.ok(f[VIEW]);
  assert.equal(f["image/png"], undefined);
  assert.match(f["text/plain"], /^FRCPlot .*\(1\/7 threshold\): high-res ([\d.]+ px|no crossing)\. Static copy/);
  const mon = new TrainingMonitor({ title: "run" });
  assert.match(((await toMimeBundle(mon)) as Record<string, any>)["text/plain"], /^TrainingMonitor run: waiting for the first step\. Static copy/);
});
