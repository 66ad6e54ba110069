// What the benchmarks share: the result row every bench/results/*.json holds, the best-of
// timer and the --repeats option.

/** One benchmark result; ratio = ours / peer, both measured in the same run. */
export interface BenchRow {
  name: string;
  ours_ms: number;
  peer: string;
  peer_ms: number;
  ratio: number;
  backend: string;
  shape: number[];
}

/** Fastest of `repeats` timed calls in ms (after one untimed warm-up call when `warmup`). */
export function bestOfMs(fn: () => void, repeats: number, warmup = false): number {
  if (warmup) fn();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** The value of `--repeats N` on the command line, or `fallback`. */
export function repeatsArg(fallback: number): number {
  const i = process.argv.indexOf("--repeats");
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
