// Round-trip latency of the pssr-lab kernel against tslab 1.0.22 on loopback, in one run:
// an empty execute (request -> reply + idle), a small expression, and a widget state update
// (comm_msg "update" -> its idle status, which is what the front-end widget manager waits for
// before sending the next change). tslab has no comm support: it only wraps the message in
// busy/idle, so its number is the floor of doing nothing with it.
// Not a test: `npx tsc -p . && node dist/bench/kernel.bench.js [repeats]` (needs the build).
// Writes bench/results/kernel.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { KernelClient } from "../src/kernel/client.js";
import { repoRoot } from "../test/helpers.js";

const repeats = Number(process.argv[2] ?? 60);

const ours = [process.execPath, join(repoRoot, "dist", "src", "cli", "main.js"), "kernel", "start", "--connection-file", "{connection_file}"];
const tslab = [process.execPath, join(repoRoot, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"];

async function median(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

interface Timings {
  emptyExecute: number;
  expression: number;
  widgetUpdate: number;
}

async function measure(argv: string[], hasWidgets: boolean): Promise<Timings> {
  const client = await KernelClient.launch(argv, { cwd: repoRoot, timeoutMs: 90000 });
  try {
    const emptyExecute = await median(() => client.execute(""));
    const expression = await median(() => client.execute("1 + 1"));
    let commId = "no-such-comm";
    if (hasWidgets) {
      const r = await client.execute(
        'const w = new kernel.Widget({ modelName: "IntSliderModel", modelModule: "@jupyter-widgets/controls", modelModuleVersion: "2.0.0" }, { value: 0 });',
      );
      const open = r.iopub.find((m) => m.header.msg_type === "comm_open");
      if (!open) throw new Error("no widget comm_open");
      commId = open.content.comm_id;
    }
    let i = 0;
    const widgetUpdate = await median(() =>
      client.request("comm_msg", { comm_id: commId, data: { method: "update", state: { value: ++i }, buffer_paths: [] } }),
    );
    return { emptyExecute, expression, widgetUpdate };
  } finally {
    await client.shutdown();
  }
}

const a = await measure(ours, true);
const b = await measure(tslab, false);
const rows = [
  { name: "kernel empty execute round trip", ours_ms: a.emptyExecute, peer_ms: b.emptyExecute },
  { name: "kernel execute `1 + 1` round trip (ours: execute_result; tslab: stdout stream)", ours_ms: a.expression, peer_ms: b.expression },
  { name: "kernel widget update round trip to idle (tslab: ignores comm_msg)", ours_ms: a.widgetUpdate, peer_ms: b.widgetUpdate },
].map((r) => ({
  name: r.name,
  ours_ms: Number(r.ours_ms.toFixed(3)),
  peer: "tslab",
  peer_ms: Number(r.peer_ms.toFixed(3)),
  ratio: Number((r.ours_ms / r.peer_ms).toFixed(3)),
  backend: "n/a",
  shape: "",
}));
for (const r of rows) console.log(`${r.name.padEnd(80)} ours ${r.ours_ms.toFixed(2)} ms  tslab ${r.peer_ms.toFixed(2)} ms  ratio ${r.ratio}`);
mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
writeFileSync(join(repoRoot, "bench", "results", "kernel.json"), JSON.stringify(rows, null, 2) + "\n");
