// How many threads the compute uses, and why: --threads N (setThreadCount) first, then
// PSSR_THREADS, else the cores this process may use: os.availableParallelism() (which respects
// the CPU affinity mask) capped by a cgroup CPU quota (containers and CI limit CPU time that way,
// not by affinity).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { invalidArgument } from "../errors.js";

/** More threads than this is certainly a typo (and each costs a workspace). */
export const MAX_THREADS = 256;

export interface ThreadCount {
  count: number;
  /** One line: where the count comes from. */
  why: string;
}

/** Parses a thread count given as `source` (e.g. "--threads", "PSSR_THREADS"): an integer 1..MAX_THREADS. */
export function parseThreadCount(text: string, source: string): number {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw invalidArgument(`${source} must be a whole number of threads from 1 to ${MAX_THREADS}, got "${text}"`);
  }
  return n;
}

/** CPUs a cgroup quota allows (v2 cpu.max, else v1 cfs quota/period), rounded up; null when none. */
export function cgroupCpuLimit(root = "/sys/fs/cgroup"): { cpus: number; file: string } | null {
  const read = (f: string): string | null => {
    try {
      return readFileSync(f, "utf8").trim();
    } catch {
      return null;
    }
  };
  const v2 = read(`${root}/cpu.max`);
  if (v2) {
    const [quota, period] = v2.split(/\s+/);
    if (quota !== "max" && Number(quota) > 0 && Number(period) > 0) return { cpus: Math.max(1, Math.ceil(Number(quota) / Number(period))), file: `${root}/cpu.max` };
    return null;
  }
  const quota = Number(read(`${root}/cpu/cpu.cfs_quota_us`) ?? "-1");
  const period = Number(read(`${root}/cpu/cpu.cfs_period_us`) ?? "0");
  if (quota > 0 && period > 0) return { cpus: Math.max(1, Math.ceil(quota / period)), file: `${root}/cpu/cpu.cfs_quota_us` };
  return null;
}

/** The default: the cores this process may use. */
export function defaultThreadCount(cgroupRoot?: string): ThreadCount {
  const cores = availableParallelism();
  const quota = cgroupCpuLimit(cgroupRoot);
  if (quota && quota.cpus < cores) return { count: quota.cpus, why: `availableParallelism ${cores}, cgroup quota ${quota.cpus} CPUs (${quota.file})` };
  return { count: Math.min(cores, MAX_THREADS), why: `availableParallelism ${cores}, ${quota ? `cgroup quota ${quota.cpus} CPUs` : "no cgroup quota"}` };
}

let forced: ThreadCount | null = null;

/** Sets the count for this process (the CLI's --threads); null returns to PSSR_THREADS / the default. */
export function setThreadCount(n: number | null, source = "--threads"): void {
  forced = n === null ? null : { count: parseThreadCount(String(n), source), why: `${source} ${n}` };
}

/** The thread count in force and why. */
export function threadCount(): ThreadCount {
  if (forced) return forced;
  const env = process.env.PSSR_THREADS;
  if (env !== undefined && env !== "") return { count: parseThreadCount(env, "PSSR_THREADS"), why: `PSSR_THREADS=${env}` };
  return defaultThreadCount();
}
