// A thread of the convolution pool (conv-pool.ts): our module instantiated on the pool's shared
// memory, waiting on the control block for its share of each call's rows.
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { CONV_CALL_NAMES, CONV_CALLS, type ConvExports } from "./conv-calls.js";
import { CTRL } from "./conv-pool-layout.js";

const data = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; ctrl: SharedArrayBuffer; index: number; ws: number; stackTop: number; errors: MessagePort };
const ctrl = new Int32Array(data.ctrl);
const slot = data.index; // 1-based: the main thread is thread 0
const exports = new WebAssembly.Instance(data.module, { env: { memory: data.memory } }).exports as unknown as ConvExports;
exports.__stack_pointer.value = data.stackTop;

// A worker that stops (process.exit in it, an abort) says so, so that the main thread never waits for it forever.
process.on("exit", () => {
  Atomics.store(ctrl, CTRL.DEAD + slot, 1);
  Atomics.notify(ctrl, CTRL.DONE);
});
parentPort!.postMessage("ready");

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, CTRL.GEN, seen);
  seen = Atomics.load(ctrl, CTRL.GEN);
  const fn = ctrl[CTRL.FN];
  if (fn === CTRL.FN_STOP) break;
  if (fn === CTRL.FN_EXIT_FOR_TEST && ctrl[CTRL.ARGS] === slot) process.exit(3);
  const r0 = ctrl[CTRL.RANGES + 2 * slot];
  const r1 = ctrl[CTRL.RANGES + 2 * slot + 1];
  try {
    if (fn >= 0 && r1 > r0) CONV_CALLS[CONV_CALL_NAMES[fn]](exports, ctrl.subarray(CTRL.ARGS, CTRL.ARGS + CTRL.ARG_COUNT), data.ws, r0, r1);
  } catch (e) {
    data.errors.postMessage(`thread ${slot}: ${(e as Error)?.message ?? String(e)}`);
    Atomics.compareExchange(ctrl, CTRL.ERROR, 0, slot);
  }
  Atomics.add(ctrl, CTRL.DONE, 1);
  Atomics.notify(ctrl, CTRL.DONE);
}
