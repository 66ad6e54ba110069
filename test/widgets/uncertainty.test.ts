// The uncertainty overlay of ErrorMap (kernel side: the map travels on the error map's grid)
// and the reliability diagram SVG (parsed by Python's XML parser; points where they belong).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Plane } from "../../src/image/image.js";
import { blockMean } from "../../src/image/block-mean.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorMap, reliabilityDiagramSvg, writeWidgetReport } from "../../src/widgets/index.js";
import { runPython } from "../helpers.js";
import { ensureWidgetBundle, launchBrowser } from "./harness.js";

function plane(h: number, w: number, f: (y: number, x: number) => number): Plane {
  return { data: Float32Array.from({ length: h * w }, (_, i) => f(Math.floor(i / w), i % w)), height: h, width: w };
}

test("ErrorMap carries an uncertainty overlay on its own grid, with a flag threshold and a label", () => {
  const ref = plane(32, 40, (y, x) => Math.sin(x / 3) + Math.cos(y / 4));
  const restored = plane(64, 80, (y, x) => Math.sin(x / 6) + Math.cos(y / 8) + 0.1 * Math.sin(x * y));
  const unc = plane(64, 80, (y, x) => x + y);
  const em = new ErrorMap(ref, restored, { uncertainty: unc, uncertaintyLabel: "D (bits)", flagPercentile: 80 });
  const flag = em.get("flag_map")!;
  assert.deepEqual([flag.height, flag.width], [32, 40]);
  const expected = blockMean(unc, 2).data;
  const got = new Float32Array(flag.data.buffer.slice(flag.data.byteOffset, flag.data.byteOffset + flag.data.byteLength));
  assert.deepEqual(Array.from(got), Array.from(expected));
  assert.equal(em.get("flag_label"), "D (bits)");
  assert.equal(em.get("flag_percentile"), 80);
  assert.equal(new ErrorMap(ref, restored).get("flag_map"), null);
  assert.throws(() => new ErrorMap(ref, restored, { uncertainty: plane(60, 80, () => 1) }), /must be on the restoration's or the error map's grid/);
});

test("reliability diagram SVG: well-formed, one marker per point at its (nominal, observed) position", () => {
  const svg = reliabilityDiagramSvg(
    [
      { name: "raw <scales>", points: [{ nominal: 0.5, observed: 0.3 }, { nominal: 0.9, observed: 0.8 }] },
      { name: "calibrated", points: [{ nominal: 0.5, observed: 0.5 }, { nominal: 0.9, observed: 0.9 }] },
    ],
    { title: "coverage", sizePx: 300 },
  );
  const py = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
ns = "{http://www.w3.org/2000/svg}"
print(json.dumps([[float(c.get("cx")), float(c.get("cy"))] for c in root.iter(ns + "circle")] + [[t.text for t in root.iter(ns + "text") if t.text and "raw" in t.text]]))`;
  const out = JSON.parse(runPythonInline(py, svg));
  const legend = out.pop();
  assert.deepEqual(legend, ["raw <scales>"]);
  // Plot box: x from 48 to 288 (300 - 12), y from 28 (observed 1) to 260 (observed 0).
  const at = (n: number, o: number) => [48 + n * 240, 28 + (1 - o) * 232];
  const want = [at(0.5, 0.3), at(0.9, 0.8), at(0.5, 0.5), at(0.9, 0.9)];
  out.forEach((p: number[], i: number) => {
    assert.ok(Math.abs(p[0] - want[i][0]) < 0.06 && Math.abs(p[1] - want[i][1]) < 0.06, `${p} vs ${want[i]}`);
  });
});

function runPythonInline(code: string, input: string): string {
  return runPython("uncertainty_ref.py", ["exec", code], input);
}

test("the ErrorMap overlay renders offline in Chromium: flagged area follows the threshold slider, cyan drawn over the map", { timeout: 180_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), "pssr-unc-widget-"));
  ensureWidgetBundle();
  const browser = await launchBrowser(join(work, "profile"));
  try {
    const ref = plane(64, 64, (y, x) => Math.sin(x / 5) * Math.cos(y / 7));
    const restored = plane(64, 64, (y, x) => Math.sin(x / 5) * Math.cos(y / 7) + (x > 40 ? 0.3 * Math.sin(x * y) : 0));
    const unc = plane(64, 64, (y, x) => x);
    const out = join(work, "overlay.html");
    await writeWidgetReport([{ widget: new ErrorMap(ref, restored, { uncertainty: unc, uncertaintyLabel: "D", flagPercentile: 90 }) }], out);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`file://${out}`);
    await page.waitForFunction(() => document.querySelectorAll(".pssr-widget[data-draws]").length >= 1, null, { timeout: 60_000 });
    const stats = () => page.locator(".pssr-stats").textContent();
    const flagged = async () => Number(/flagged ([\d.]+) %/.exec((await stats()) ?? "")?.[1]);
    const cyan = () =>
      page.evaluate(() => {
        const c = document.querySelector("canvas.pssr-canvas") as HTMLCanvasElement;
        const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 1] > d[i] + 60 && d[i + 2] > d[i] + 60) n++;
        return n / (d.length / 4);
      });
    const f90 = await flagged();
    assert.ok(f90 > 5 && f90 < 15, `about 10 % flagged at the 90th percentile: ${await stats()}`);
    assert.match((await stats()) ?? "", /no flag is not a guarantee/);
    const c90 = await cyan();
    await page.locator(".pssr-flag").evaluate((el: HTMLInputElement) => {
      el.value = "60";
      el.dispatchEvent(new Event("input"));
    });
    await page.waitForFunction(() => /flagged (3[5-9]|4[0-5])\./.test(document.querySelector(".pssr-stats")!.textContent ?? ""), null, { timeout: 10_000 });
    const c60 = await cyan();
    assert.ok(c60 > c90 * 2.5, `more cyan at a lower threshold: ${c90} -> ${c60}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
});
