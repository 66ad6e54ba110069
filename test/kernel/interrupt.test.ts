// The pieces of interrupt handling that live in this process: the timer hooks that record a
// cell's timers on its CellRun (what an interrupted cell's leftovers lose) and the guard count
// the I/O thread reads. The end-to-end behaviour is in lifecycle.test.ts (jupyter_client).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { requestStorage, type RequestContext } from "../../src/kernel/context.js";
import { CellRun, InterruptState, installTimerHooks } from "../../src/kernel/interrupt.js";

installTimerHooks();
const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function inRun<T>(run: CellRun, fn: () => T): T {
  const ctx: RequestContext = { parent: {}, identities: [], signal: run.controller.signal, allowStdin: false, silent: true, run };
  return requestStorage().run(ctx, fn);
}

describe("cell timers", () => {
  test("an interrupted cell's intervals stop; its timeouts set before still fire; none set after", async () => {
    const run = new CellRun(new AbortController());
    let ticks = 0;
    let early = false;
    let late = false;
    inRun(run, () => {
      setInterval(() => ticks++, 5);
      setTimeout(() => (early = true), 60);
    });
    await wait(40);
    assert.ok(ticks > 0);
    run.stop(false);
    const seen = ticks;
    inRun(run, () => setTimeout(() => (late = true), 1));
    await wait(80);
    assert.equal(ticks, seen, "interval still ticking");
    assert.equal(early, true, "a timeout set before the interrupt was dropped from a cell that stopped by itself");
    assert.equal(late, false, "a timeout set after the interrupt fired");
  });

  test("an abandoned cell's pending timeouts and immediates never fire; other code's timers do", async () => {
    const run = new CellRun(new AbortController());
    const fired: string[] = [];
    inRun(run, () => {
      setTimeout(() => fired.push("timeout"), 20);
      setImmediate(() => fired.push("immediate"));
    });
    run.stop(true);
    setTimeout(() => fired.push("outside"), 10);
    await wait(60);
    assert.deepEqual(fired, ["outside"]);
  });

  test("cleared timers leave the run; promisified setTimeout and handles behave as Node's", async () => {
    const run = new CellRun(new AbortController());
    await inRun(run, async () => {
      const h = setTimeout(() => undefined, 1000);
      assert.equal(typeof h.unref, "function");
      assert.equal(run.timers.size, 1);
      clearTimeout(h);
      assert.equal(run.timers.size, 0);
      const v = await promisify(setTimeout)(5, "value");
      assert.equal(v, "value");
    });
  });
});

describe("InterruptState", () => {
  test("guard nests and is released on throw; run ids and sequence numbers count up", () => {
    const s = new InterruptState();
    assert.equal(s.guarded, false);
    s.guard(() => {
      assert.equal(s.guarded, true);
      assert.throws(() => s.guard(() => { throw new Error("x"); }));
      assert.equal(s.guarded, true);
    });
    assert.equal(s.guarded, false);
    const shared = new InterruptState(s.buffer);
    assert.equal(shared.nextRun(), 1);
    assert.equal(s.runId, 1);
    assert.equal(s.nextSeq(), 1);
    assert.equal(shared.seq, 1);
  });
});
