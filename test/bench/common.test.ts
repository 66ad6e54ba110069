// The benchmarks' shared option parser and timer (bench/common.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { benchOptions, timeMs, timePairMs } from "../../bench/common.js";

test("benchOptions reads --name value flags with the defaults' types and refuses unknown or bad ones", () => {
  const defaults = { repeats: 3, work: "/tmp/x", reuse: false, "torch-max": 1024 };
  assert.deepEqual(benchOptions(defaults, []), defaults);
  assert.deepEqual(benchOptions(defaults, ["--repeats", "7", "--reuse", "--work", "/w", "--torch-max", "0"]), { repeats: 7, work: "/w", reuse: true, "torch-max": 0 });
  assert.throws(() => benchOptions(defaults, ["--repeat", "7"]), /Unknown option '--repeat'.*--repeats/);
  assert.throws(() => benchOptions(defaults, ["--repeats", "many"]), /--repeats needs a number, got "many"/);
  assert.throws(() => benchOptions(defaults, ["5"]), /positional/);
});

function busyMs(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Durations far apart, so that a busy machine's scheduling cannot reorder them.
test("timeMs: warm-up calls are not timed; min and median pick the right call; async functions are awaited", async () => {
  let calls = 0;
  const durations = [400, 2, 2, 80, 80];
  const fn = () => busyMs(durations[calls++]);
  const min = await timeMs(fn, { repeats: 4, warmup: 1 });
  assert.equal(calls, 5);
  assert.ok(min >= 2 && min < 80, `min ${min}`);
  calls = 0;
  const median = await timeMs(fn, { repeats: 4, warmup: 1, stat: "median" });
  assert.ok(median >= 80 && median < 400, `median ${median}`);
  const slept = await timeMs(() => sleep(60), { repeats: 1 });
  assert.ok(slept >= 55, `awaited ${slept}`);
});

test("timeMs's CPU clock does not count waiting, the wall clock does", async () => {
  const cpu = await timeMs(() => sleep(200), { repeats: 1, clock: "cpu" });
  const wall = await timeMs(() => sleep(200), { repeats: 1, clock: "wall" });
  assert.ok(cpu < 100 && wall >= 195, `cpu ${cpu}, wall ${wall}`);
});

test("timePairMs alternates the two sides and times each on its own", async () => {
  const order: string[] = [];
  const [a, b] = await timePairMs(() => (order.push("a"), sleep(5)), () => (order.push("b"), sleep(150)), { repeats: 2, warmup: 1 });
  assert.deepEqual(order, ["a", "b", "a", "b", "a", "b"]);
  assert.ok(a < 100 && b >= 145, `${a} ${b}`);
});
