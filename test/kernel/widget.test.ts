// Widgets outside a kernel (plain node, e.g. a script or another package's tests): state,
// change handlers and model references work; nothing is sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Widget, serializeState } from "../../src/kernel/widget.js";
import { DISPLAY_SYMBOL, toMimeBundle } from "../../src/kernel/display.js";

interface CounterState {
  count: number;
  label: string;
  data: Float32Array;
}

class Counter extends Widget<CounterState> {
  constructor(count = 0) {
    super({ modelName: "CounterModel", modelModule: "pssr-test", modelModuleVersion: "0.1.0" }, { count, label: "n", data: new Float32Array(2) });
  }
}

test("a detached widget keeps state and runs change handlers with source kernel", async () => {
  const c = new Counter(3);
  const seen: unknown[] = [];
  c.on("change:count", (v, old, source) => {
    seen.push([v, old, source]);
  });
  c.on("change", (changes) => {
    seen.push(Object.keys(changes));
  });
  c.set({ count: 4 });
  c.set({ count: 4 }); // unchanged: no event
  await new Promise((r) => setImmediate(r));
  assert.equal(c.get("count"), 4);
  assert.deepEqual(seen, [[4, 3, "kernel"], ["count"]]);
  const state = c.fullState();
  assert.equal(state._model_name, "CounterModel");
  assert.equal(state._view_module, "pssr-test");
  assert.ok(state.data instanceof Float32Array);
});

test("widgets in state become IPY_MODEL_ references; the display bundle names the model", async () => {
  const child = new Counter();
  const box = new Widget({ modelName: "BoxModel", modelModule: "@jupyter-widgets/controls", modelModuleVersion: "2.0.0" }, { children: [child], layout: { w: child } });
  const s = serializeState(box.fullState());
  assert.deepEqual(s.children, [`IPY_MODEL_${child.modelId}`]);
  assert.deepEqual(s.layout, { w: `IPY_MODEL_${child.modelId}` });
  const bundle = await toMimeBundle(box);
  assert.deepEqual(bundle["application/vnd.jupyter.widget-view+json"], { model_id: box.modelId, version_major: 2, version_minor: 1 });
  assert.equal(typeof box[DISPLAY_SYMBOL], "function");
});

test("mime bundles: plain objects with mime keys, Jupyter.display values, text fallback", async () => {
  assert.deepEqual(await toMimeBundle({ "text/html": "<b>x</b>" }), { "text/html": "<b>x</b>", "text/plain": "<text/html>" });
  assert.deepEqual(await toMimeBundle({ a: 1 }), { "text/plain": "{ a: 1 }" });
  const rich = { [Symbol.for("Jupyter.display")]: async () => ({ "image/png": new Uint8Array([1, 2, 3]) }) };
  const b = await toMimeBundle(rich);
  assert.equal(b["image/png"], "AQID");
});
