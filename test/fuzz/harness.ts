// Runs reader fuzz cases in child processes, so that a crash, a hang or a runaway allocation
// is detected rather than suffered: each child reads files one at a time; a read that does
// not answer within the timeout gets its child killed (a hang), a child that dies mid-read is
// a crash, and a child whose peak RSS passes the limit is over memory. The JS heap of each
// child is capped too (--max-old-space-size), so a runaway array dies as a crash.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FuzzCase } from "./mutate.js";
import type { WorkerReply } from "./worker.js";

export type Outcome = "image" | "error" | "internal" | "crash" | "hang" | "memory";

export interface FuzzResult extends FuzzCase {
  outcome: Outcome;
  detail: string;
  ms: number;
  maxRssKb: number;
}

export interface HarnessOptions {
  workers?: number;
  /** The child script (default ./worker.js); the harness's own test gives one that misbehaves. */
  workerPath?: string;
  timeoutMs?: number;
  memoryLimitKb?: number;
}

const WORKER = fileURLToPath(new URL("./worker.js", import.meta.url));

export async function runCases(cases: FuzzCase[], options: HarnessOptions = {}): Promise<FuzzResult[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const memoryLimitKb = options.memoryLimitKb ?? 1024 * 1024;
  const results: FuzzResult[] = new Array(cases.length);
  let next = 0;

  const lane = async (): Promise<void> => {
    let child: ChildProcess | null = null;
    let ready: Promise<void> | null = null;
    const start = () => {
      child = fork(options.workerPath ?? WORKER, [], { execArgv: ["--max-old-space-size=1024"], stdio: ["ignore", "ignore", "pipe", "ipc"] });
      child.stderr!.resume();
      ready = new Promise((resolve) => child!.once("message", () => resolve()));
    };
    while (next < cases.length) {
      const i = next++;
      if (!child) start();
      await ready;
      const c = child!;
      const t0 = Date.now();
      const r = await new Promise<{ outcome: Outcome; detail: string; maxRssKb: number }>((resolve) => {
        const timer = setTimeout(() => {
          c.removeAllListeners("message");
          c.removeAllListeners("exit");
          c.kill("SIGKILL");
          resolve({ outcome: "hang", detail: `no answer within ${timeoutMs} ms`, maxRssKb: 0 });
        }, timeoutMs);
        c.once("message", (m: WorkerReply) => {
          clearTimeout(timer);
          c.removeAllListeners("exit");
          resolve({ outcome: m.outcome, detail: m.detail, maxRssKb: m.maxRssKb });
        });
        c.once("exit", (code, signal) => {
          clearTimeout(timer);
          c.removeAllListeners("message");
          resolve({ outcome: "crash", detail: `child exited (code ${code}, signal ${signal})`, maxRssKb: 0 });
        });
        c.send({ i, file: cases[i].file });
      });
      let { outcome } = r;
      if (outcome === "hang" || outcome === "crash") child = null;
      else if (r.maxRssKb > memoryLimitKb) {
        outcome = "memory";
        c.kill("SIGKILL");
        child = null;
      }
      results[i] = { ...cases[i], outcome, detail: r.detail, ms: Date.now() - t0, maxRssKb: r.maxRssKb };
    }
    if (child) (child as ChildProcess).kill();
  };
  await Promise.all(Array.from({ length: options.workers ?? 2 }, lane));
  return results;
}

/** Counts per outcome and the failures (anything but a valid image or a typed one-line error). */
export function summarize(results: FuzzResult[]): { counts: Record<string, number>; failures: FuzzResult[]; maxRssKb: number; slowestMs: number } {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return {
    counts,
    failures: results.filter((r) => r.outcome !== "image" && r.outcome !== "error"),
    maxRssKb: Math.max(...results.map((r) => r.maxRssKb)),
    slowestMs: Math.max(...results.map((r) => r.ms)),
  };
}
