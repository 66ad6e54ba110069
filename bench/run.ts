// `npm run bench`: runs every benchmark (dist/bench/*.bench.js) one after another, each in its
// own process so that one's memory does not weigh on the next, then collects the rows they
// wrote to bench/results/*.json into the table in docs/BENCHMARKS.md, with the machine and
// the versions of both sides. Each row is a BenchRow (bench/common.ts): ratio = ours / peer
// measured in the same run (< 1: we are faster).
//   node dist/bench/run.js [--only NAME,...] [--skip NAME,...] [--table-only]
// bench/results/widgets.json (widget latency in Chromium) is written by the browser test when
// run with PSSR_BENCH_RESULTS=1.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { python, repoRoot } from "../test/helpers.js";
import { benchOptions, type BenchRow } from "./common.js";

/** Speed-up per thread count (time at 1 thread / time at N) of rows named BASE_tN, ours and peer's. */
function threadCurve(rows: BenchRow[]): string[] {
  // Rows of time (not of CPU overhead, whose peer is our own 1-thread run of the same).
  const bases = [...new Set(rows.filter((r) => r.threads !== undefined && r.peer !== "the same at 1 thread").map((r) => r.name.replace(/_t\d+$/, "")))];
  if (bases.length === 0) return [];
  const counts = [...new Set(rows.map((r) => r.threads!))].sort((a, b) => a - b);
  const lines = [
    "Speed-up over 1 thread (time at 1 / time at N; ours | peer at the same thread count), and the 1-minute load average of each measurement (the machine is shared: a load above its core count means the threads competed with other work):",
    "",
    `| row | ${counts.map((n) => `${n} thread${n > 1 ? "s" : ""}`).join(" | ")} |`,
    `|---|${counts.map(() => "---:").join("|")}|`,
  ];
  for (const base of bases) {
    const at = (n: number) => rows.find((r) => r.name === `${base}_t${n}`);
    const one = at(1);
    const cell = (n: number) => {
      const r = at(n);
      if (!r || !one || !r.ours_ms || !one.ours_ms) return "n/a";
      const peer = r.peer_ms && one.peer_ms && r.peer_threads === r.threads ? ` \\| ${(one.peer_ms / r.peer_ms).toFixed(2)}x` : "";
      return `${(one.ours_ms / r.ours_ms).toFixed(2)}x${peer} (load ${(r.load_avg_1min ?? []).join("/")})`;
    };
    lines.push(`| ${base} | ${counts.map(cell).join(" | ")} |`);
  }
  lines.push(
    "",
    "Re-run (best on a quiet machine): `npx tsc -p . && node dist/bench/threads.bench.js && node dist/bench/run.js --table-only`;",
    "`PSSR_THREADS=N` limits the curve to 1..N threads (PyTorch gets the same counts). No GPU machine was available for this",
    "work: no GPU rows and no 1..16-thread curve yet (docs/GPU.md).",
  );
  return [...lines, ""];
}

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(repoRoot, "bench", "results");

function pythonVersions(): string {
  const r = spawnSync(
    python,
    ["-c", "import numpy,scipy,skimage\ntry:\n import torch; t=torch.__version__\nexcept Exception: t='absent'\nprint(f'numpy {numpy.__version__}, scipy {scipy.__version__}, scikit-image {skimage.__version__}, torch {t}')"],
    { encoding: "utf8" },
  );
  return r.status === 0 ? r.stdout.trim() : "python references unavailable";
}

function fmtMs(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function fmtShape(shape: unknown): string {
  return Array.isArray(shape) ? shape.join("x") : String(shape ?? "");
}

function renderTable(): string {
  const files = readdirSync(resultsDir).filter((f) => f.endsWith(".json")).sort();
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
  const lines: string[] = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (bench/run.ts) from bench/results/*.json. Every ratio is ours / peer,",
    "both measured in the same run on the same machine (< 1 means pssr-lab is faster). Timings are",
    "medians (or best-of, where a benchmark says so) of repeated runs; this machine is shared and",
    "noisy, so read ratios, not absolute times.",
    "",
    `- machine of the latest run: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    "  (`--only` re-runs some benchmarks; each section keeps the figures of its own last run, which",
    "  `git log bench/results/NAME.json` dates; a ratio compares two sides of one run on one machine)",
    `- node ${process.version}, pssr-lab ${pkg.version}, tfjs ${pkg.dependencies?.["@tensorflow/tfjs-core"] ?? "?"}`,
    `- peers: ${pythonVersions()}`,
    `- written: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
  ];
  for (const f of files) {
    const rows = JSON.parse(readFileSync(join(resultsDir, f), "utf8")) as BenchRow[];
    const memory = rows.some((r) => r.ours_mb !== undefined);
    lines.push(
      `## ${f.replace(/\.json$/, "")}`,
      "",
      memory
        ? "| name | shape | backend | ours (MiB peak) | ours (ms) | peer | peer (MiB peak) | peer (ms) | ratio (memory) |"
        : "| name | shape | backend | ours (ms) | peer | peer (ms) | ratio |",
      memory ? "|---|---|---|---:|---:|---|---:|---:|---:|" : "|---|---|---|---:|---|---:|---:|",
    );
    for (const r of rows) {
      const ratio = r.ratio === null || r.ratio === undefined ? "n/a" : r.ratio.toFixed(2);
      lines.push(
        memory
          ? `| ${r.name} | ${fmtShape(r.shape)} | ${r.backend} | ${fmtMs(r.ours_mb ?? null)} | ${fmtMs(r.ours_ms)} | ${r.peer} | ${fmtMs(r.peer_mb ?? null)} | ${fmtMs(r.peer_ms)} | ${ratio} |`
          : `| ${r.name} | ${fmtShape(r.shape)} | ${r.backend} | ${fmtMs(r.ours_ms)} | ${r.peer} | ${fmtMs(r.peer_ms)} | ${ratio} |`,
      );
    }
    lines.push("", ...threadCurve(rows));
  }
  return lines.join("\n");
}

function main(): number {
  const options = benchOptions({ only: "", skip: "", "table-only": false });
  const only = options.only.split(",").filter(Boolean);
  const skip = options.skip.split(",").filter(Boolean);
  let failed = 0;
  if (!options["table-only"]) {
    const benches = readdirSync(here)
      .filter((f) => f.endsWith(".bench.js"))
      .map((f) => f.replace(/\.bench\.js$/, ""))
      .filter((n) => (only.length === 0 || only.includes(n)) && !skip.includes(n))
      .sort();
    for (const name of benches) {
      console.log(`\n=== bench ${name}`);
      const started = Date.now();
      const r = spawnSync(process.execPath, ["--expose-gc", join(here, `${name}.bench.js`)], { stdio: "inherit", cwd: repoRoot });
      console.log(`=== ${name}: exit ${r.status} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      if (r.status !== 0) failed++;
    }
  }
  const table = renderTable();
  writeFileSync(join(repoRoot, "docs", "BENCHMARKS.md"), table + "\n");
  console.log("\n" + table);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
