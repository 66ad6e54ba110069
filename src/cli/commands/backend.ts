// `pssr backend [--json] [--backend NAME]`: which compute backends start here, which one is
// chosen, and why each other one is not.
import { describeBackends } from "../../backend/index.js";
import { parseCommandArgs } from "../args.js";


const usage = `usage: pssr backend [--json] [--backend NAME]

Tries every tfjs backend (default order: tfjs-node-gpu, tfjs-node, wasm, cpu; webgpu only
when asked for) and prints which start, which is chosen and why each other one is not.
PSSR_BACKEND or --backend forces one. The last line also says how many threads the wasm backend's
convolutions use and why (--threads N or PSSR_THREADS=N set it; default: the cores this process
may use, capped by a cgroup CPU quota).`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" }, backend: { type: "string" } }, usage);
  if (!parsed) return 0;
  const report = await describeBackends({ name: (parsed.values.backend as string | undefined) ?? null });
  if (parsed.values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const b of report.backends) {
      const mark = b.chosen ? "*" : b.available ? "+" : "-";
      const facts = Object.entries(b.details)
        .filter(([k]) => k !== "wasmDir")
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      console.log(`${mark} ${b.name.padEnd(14)} ${b.chosen ? `chosen ${facts}`.trim() : b.why}`);
    }
    const d = report.backends.find((b) => b.chosen)?.details;
    const threads = d?.computeThreads !== undefined ? `, ${d.computeThreads} thread${d.computeThreads === 1 ? "" : "s"} (${d.computeThreadsWhy})` : "";
    console.log(report.chosen ? `chosen: ${report.chosen}${threads}` : `no backend chosen: ${report.error}`);
  }
  return report.chosen ? 0 : 1;
}
