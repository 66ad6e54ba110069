// Round-trip latency of the pssr-lab kernel against tslab 1.0.22 on loopback, in one run:
// an empty execute (request -> reply + idle), a small expression, and a widget state update
// (comm_msg "update" -> its idle status, which is what the front-end widget manager waits for
// before sending the next change). The same `1 + 1` run again is answered from our converter
// cache (an empty cell is not converted at all); a new expression each time measures the full
// conversion, which dominates real cells. tslab has no comm support: it only wraps the message
// in busy/idle, so its number is the floor of doing nothing with it.
// Run: npm run build && node dist/bench/kernel.bench.js [--repeats 100].
// Writes bench/results/kernel.json.
import { join } from "node:path";
import { KernelClient } from "../src/kernel/client.js";
import { repoRoot } from "../test/helpers.js";
import { benchOptions, timePairMs, writeResults, type BenchRow } from "./common.js";

const { repeats } = benchOptions({ repeats: 100 });

const ours = [process.execPath, join(repoRoot, "dist", "src", "cli", "main.js"), "kernel", "start", "--connection-file", "{connection_file}"];
const tslab = [process.execPath, join(repoRoot, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"];

/** Medians of `ours` and `peer`, run alternately so that load on a shared machine hits both alike. */
function medians(ours: () => Promise<unknown>, peer: () => Promise<unknown>): Promise<[number, number]> {
  return timePairMs(ours, peer, { repeats, warmup: 5, stat: "median" });
}

/**
 * Runs `fn` against freshly started kernels (ours, tslab). tslab loses the idle status of a
 * request after about 200 requests in a tight loop (its zmq sends are not awaited), so each
 * phase starts new kernels.
 */
async function withKernels<T>(fn: (a: KernelClient, b: KernelClient) => Promise<T>): Promise<T> {
  const a = await KernelClient.launch(ours, { cwd: repoRoot, timeoutMs: 90000 });
  const b = await KernelClient.launch(tslab, { cwd: repoRoot, timeoutMs: 90000 });
  try {
    return await fn(a, b);
  } finally {
    await Promise.all([a.shutdown(), b.shutdown()]);
  }
}

const [emptyOurs, emptyPeer] = await withKernels((a, b) => medians(() => a.execute(""), () => b.execute("")));
const [exprOurs, exprPeer] = await withKernels((a, b) => medians(() => a.execute("1 + 1"), () => b.execute("1 + 1")));
// A different expression every time: no conversion can be reused, so this is the cost of a
// cell that tslab's converter has to type-check and emit (ours caches repeated cells).
let k = 0;
const [freshOurs, freshPeer] = await withKernels((a, b) => medians(() => a.execute(`${++k} + 1`), () => b.execute(`${++k} + 1`)));
const [widgetOurs, widgetPeer] = await withKernels(async (a, b) => {
  const r = await a.execute(
    'const w = new kernel.Widget({ modelName: "IntSliderModel", modelModule: "@jupyter-widgets/controls", modelModuleVersion: "2.0.0" }, { value: 0 });',
  );
  const open = r.iopub.find((m) => m.header.msg_type === "comm_open");
  if (!open) throw new Error(`no widget comm_open: ${JSON.stringify(r.reply.content)}`);
  let i = 0;
  const update = (c: KernelClient, id: string) => c.request("comm_msg", { comm_id: id, data: { method: "update", state: { value: ++i }, buffer_paths: [] } });
  return medians(() => update(a, open.content.comm_id), () => update(b, "no-such-comm"));
});
const a = { emptyExecute: emptyOurs, expression: exprOurs, fresh: freshOurs, widgetUpdate: widgetOurs };
const b = { emptyExecute: emptyPeer, expression: exprPeer, fresh: freshPeer, widgetUpdate: widgetPeer };
const rows = [
  { name: "kernel empty execute round trip", ours_ms: a.emptyExecute, peer_ms: b.emptyExecute },
  { name: "kernel execute `1 + 1` round trip (ours: execute_result; tslab: stdout stream)", ours_ms: a.expression, peer_ms: b.expression },
  { name: "kernel execute a new expression each time (`k + 1`, no conversion reused)", ours_ms: a.fresh, peer_ms: b.fresh },
  { name: "kernel widget update round trip to idle (tslab: ignores comm_msg)", ours_ms: a.widgetUpdate, peer_ms: b.widgetUpdate },
].map((r): BenchRow => ({
  name: r.name,
  ours_ms: Number(r.ours_ms.toFixed(3)),
  peer: "tslab",
  peer_ms: Number(r.peer_ms.toFixed(3)),
  ratio: Number((r.ours_ms / r.peer_ms).toFixed(3)),
  backend: "n/a",
  shape: "",
}));
await writeResults("kernel", rows);
