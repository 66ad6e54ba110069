// The one widget protocol module (src/widgets/protocol.ts): every kernel-side widget sends
// exactly the state keys the protocol declares under the names it declares; the browser code
// is type-checked against the same declarations (tsc -p widgets/tsconfig.json, part of
// `npm run build`), and a view that pushes a wrong type or reads a key as the wrong type fails it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../helpers.js";
import type { Image, Plane } from "../../src/image/image.js";
import { FRC_THRESHOLDS } from "../../src/metrics/frc.js";
import { WIDGET_VIEW_MIME as KERNEL_VIEW_MIME } from "../../src/kernel/widget.js";
import { CrappifierTuner, DEFAULT_STATES, ErrorMap, FRCPlot, ImageCompare, Kymograph, TrainingMonitor, WIDGET_MODULE, WIDGET_MODULE_VERSION, WIDGET_NAMES, WIDGET_STATE_MIME, WIDGET_VIEW_MIME } from "../../src/widgets/index.js";
import type { Widget } from "../../src/kernel/widget.js";

function plane(h: number, w: number, f: (y: number, x: number) => number): Plane {
  return { data: Float32Array.from({ length: h * w }, (_, i) => f(Math.floor(i / w), i % w)), height: h, width: w };
}

test("every kernel-side widget sends exactly the state keys and class names the protocol declares", () => {
  const a = plane(64, 64, (y, x) => Math.sin(x / 3) * Math.cos(y / 5) + 0.01 * ((x * 7 + y * 13) % 11));
  const b = plane(64, 64, (y, x) => Math.sin(x / 3) * Math.cos(y / 5) + 0.01 * ((x * 5 + y * 3) % 7));
  const stack: Image = { data: new Float32Array(4 * 32 * 32).map((_, i) => i % 17), shape: [4, 32, 32], axes: "TYX", pixelSize: null, dtype: "float32" };
  const widgets: Record<string, Widget<any>> = {
    ImageCompare: new ImageCompare([{ name: "a", image: a }, { name: "b", image: b }]),
    ErrorMap: new ErrorMap(plane(32, 32, (y, x) => a.data[2 * y * 64 + 2 * x]), a),
    FRCPlot: new FRCPlot([{ name: "a/b", a, b }]),
    Kymograph: new Kymograph([{ name: "s", stack }]),
    CrappifierTuner: new CrappifierTuner(a, plane(32, 32, (y, x) => 100 + ((x * 31 + y * 17) % 13)), { scaleFactor: 2, previewPx: 64, curvePx: 32, curveDelayMs: 0 }),
    TrainingMonitor: new TrainingMonitor(),
  };
  assert.deepEqual(Object.keys(widgets).sort(), [...WIDGET_NAMES].sort());
  for (const name of WIDGET_NAMES) {
    const state = widgets[name].fullState();
    const own = Object.keys(state).filter((k) => !k.startsWith("_")).sort();
    assert.deepEqual(own, Object.keys(DEFAULT_STATES[name]).sort(), `${name}: state keys`);
    assert.equal(state._model_name, `${name}Model`);
    assert.equal(state._view_name, `${name}View`);
    assert.equal(state._model_module, WIDGET_MODULE);
    assert.equal(state._view_module_version, WIDGET_MODULE_VERSION);
  }
  // Defaults that are the kernel's own values when no option is given.
  const mon = widgets.TrainingMonitor;
  for (const k of ["title", "status", "running", "stop_requested"]) assert.deepEqual(mon.get(k), (DEFAULT_STATES.TrainingMonitor as Record<string, unknown>)[k], `TrainingMonitor.${k}`);
  assert.equal(mon.get("running"), true);
  assert.deepEqual(widgets.FRCPlot.get("thresholds"), FRC_THRESHOLDS);
  assert.deepEqual(DEFAULT_STATES.FRCPlot.thresholds, FRC_THRESHOLDS);
  for (const w of Object.values(widgets)) w.close();
});

test("one home for the MIME strings and the module name: kernel, reports and widgets/package.json agree", () => {
  assert.equal(WIDGET_VIEW_MIME, "application/vnd.jupyter.widget-view+json");
  assert.equal(WIDGET_STATE_MIME, "application/vnd.jupyter.widget-state+json");
  assert.equal(KERNEL_VIEW_MIME, WIDGET_VIEW_MIME);
  const pkg = JSON.parse(readFileSync(join(repoRoot, "widgets", "package.json"), "utf8"));
  assert.equal(pkg.name, WIDGET_MODULE);
  assert.equal(pkg.version, WIDGET_MODULE_VERSION);
});

const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");

test("the browser code type-checks against the protocol; a wrongly typed view does not", { timeout: 120_000 }, () => {
  const ok = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(repoRoot, "widgets", "tsconfig.json")], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // Outside the repository: absolute paths to the views and their tsconfig.
  const work = mkdtempSync(join(tmpdir(), "pssr-typecheck-"));
  try {
    writeFileSync(
      join(work, "bad.ts"),
      `import { PssrView } from ${JSON.stringify(join(repoRoot, "widgets", "src", "base.js"))};
export class BadView extends PssrView<"TrainingMonitor"> {
  render(): void {
    this.push({ running: "yes" });
    const n: number = this.model.get("status");
    this.model.set("stop_requested", 1);
    this.model.get("no_such_key");
    void n;
  }
}
`,
    );
    writeFileSync(join(work, "tsconfig.json"), JSON.stringify({ extends: join(repoRoot, "widgets", "tsconfig.json"), include: [join(work, "bad.ts")] }));
    const bad = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(work, "tsconfig.json")], { encoding: "utf8" });
    assert.notEqual(bad.status, 0);
    const lines = bad.stdout.split("\n").filter((l) => l.includes("bad.ts(") && l.includes("error TS"));
    // One error per wrong line: the pushed boolean, the string read as a number, the number set as a boolean, the undeclared key.
    assert.deepEqual(lines.map((l) => Number(/bad\.ts\((\d+),/.exec(l)![1])).sort(), [4, 5, 6, 7], bad.stdout);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
