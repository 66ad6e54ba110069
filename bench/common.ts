// What every benchmark shares: the one result row of bench/results/*.json, the one timer,
// the one option style (`--name value` flags, `--flag` for booleans) and the one writer of a
// section's results. bench/run.ts renders the rows into docs/BENCHMARKS.md.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { atomicWriteFile } from "../src/io/atomic.js";
import { repoRoot } from "../test/helpers.js";

/**
 * One benchmark result; ratio = ours / peer, both measured in the same run (< 1: we are
 * faster or smaller). Memory rows add peak resident memory (`ours_mb`, `peer_mb`) and take
 * their ratio from it. The optional fields after those are details some sections record.
 */
export interface BenchRow {
  name: string;
  ours_ms: number | null;
  peer: string;
  peer_ms: number | null;
  ratio: number | null;
  backend: string;
  /** The array shape measured, or a sentence when a shape does not say it. */
  shape: number[] | string;
  ours_mb?: number;
  peer_mb?: number;
  ours_peak_rss_mb?: number;
  peer_peak_rss_mb?: number;
  peer_threads?: number;
  /** Thread-scaling rows (threads.bench): our thread count and the 1-minute load average when measured. */
  threads?: number;
  load_avg_1min?: number[];
  peer_wall_ms?: number;
  ms_per_output_mpx?: number;
  ratio_pixel_linear?: number;
}

export interface TimeOptions {
  /** Timed calls. */
  repeats: number;
  /** Untimed calls first (JIT, caches, lazy kernel registration). */
  warmup?: number;
  /** "min": the fastest call (default); "median": robust when the load drifts both ways. */
  stat?: "min" | "median";
  /** "wall": performance.now (default); "cpu": the process's user + system time, blind to waiting on a busy machine. */
  clock?: "wall" | "cpu";
}

function readClockMs(clock: "wall" | "cpu"): number {
  if (clock === "wall") return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function pick(times: number[], stat: "min" | "median"): number {
  const sorted = [...times].sort((a, b) => a - b);
  return stat === "min" ? sorted[0] : sorted[Math.floor(sorted.length / 2)];
}

/** The one timer: `fn` (sync or async) timed `repeats` times, the fastest or median call in ms. */
export async function timeMs(fn: () => unknown, options: TimeOptions): Promise<number> {
  const clock = options.clock ?? "wall";
  for (let i = 0; i < (options.warmup ?? 0); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    const t0 = readClockMs(clock);
    await fn();
    times.push(readClockMs(clock) - t0);
  }
  return pick(times, options.stat ?? "min");
}

/**
 * Ours and the peer timed in alternation (ours, peer, ours, peer ...), so that load from other
 * work on a shared machine hits both alike; returns [ours, peer] in ms.
 */
export async function timePairMs(ours: () => unknown, peer: () => unknown, options: TimeOptions): Promise<[number, number]> {
  const clock = options.clock ?? "wall";
  for (let i = 0; i < (options.warmup ?? 0); i++) {
    await ours();
    await peer();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    let t0 = readClockMs(clock);
    await ours();
    a.push(readClockMs(clock) - t0);
    t0 = readClockMs(clock);
    await peer();
    b.push(readClockMs(clock) - t0);
  }
  return [pick(a, options.stat ?? "min"), pick(b, options.stat ?? "min")];
}

type OptionValue = number | string | boolean;

/**
 * The one option style: each key of `defaults` is a `--key value` flag (numbers must be finite;
 * a boolean is a bare `--key`); an unknown flag or a bad number stops the benchmark with one line.
 */
export function benchOptions<T extends Record<string, OptionValue>>(defaults: T, argv: string[] = process.argv.slice(2)): T {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [k, v] of Object.entries(defaults)) options[k] = { type: typeof v === "boolean" ? "boolean" : "string" };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new Error(`${(e as Error).message} (options: ${Object.keys(defaults).map((k) => `--${k}`).join(" ")})`);
  }
  const out: Record<string, OptionValue> = { ...defaults };
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (typeof defaults[k] === "number") {
      const n = Number(v);
      if (v === "" || !Number.isFinite(n)) throw new Error(`--${k} needs a number, got "${v}"`);
      out[k] = n;
    } else out[k] = v;
  }
  return out as T;
}

/** Where a section's results live: bench/results/<section>.json. */
export function resultsPath(section: string): string {
  return join(repoRoot, "bench", "results", `${section}.json`);
}

/** Writes a section's rows to bench/results/<section>.json (atomically) and prints one line per row. */
export async function writeResults(section: string, rows: BenchRow[]): Promise<void> {
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  await atomicWriteFile(resultsPath(section), new TextEncoder().encode(JSON.stringify(rows, null, 2) + "\n"));
  for (const r of rows) {
    const ratio = r.ratio === null ? "n/a" : r.ratio.toFixed(3);
    console.log(`${section}: ${r.name}: ours ${r.ours_ms?.toFixed(2) ?? "n/a"} ms (${r.backend}), ${r.peer} ${r.peer_ms?.toFixed(2) ?? "n/a"} ms, ratio ${ratio}`);
  }
}
