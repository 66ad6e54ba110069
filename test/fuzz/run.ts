// The full reader fuzz run: node dist/test/fuzz/run.js [--count 2000] [--seed 1] [--workers 2]
// [--every-boundary] [--keep DIR]. Prints counts per outcome and every failure; exits 1 on any.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultSources, makeCorpus } from "./mutate.js";
import { runCases, summarize } from "./harness.js";
import { fuzzExtraSources } from "./sources.js";
import { sharedDataDir } from "../helpers.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "2000" },
    seed: { type: "string", default: "1" },
    workers: { type: "string", default: "2" },
    "every-boundary": { type: "boolean", default: false },
    keep: { type: "string" },
    json: { type: "string" },
  },
});
const dir = values.keep ?? mkdtempSync(join(tmpdir(), "pssr-fuzz-"));
try {
  const t0 = Date.now();
  const extra = await fuzzExtraSources(join(dir, "sources"));
  const cases = makeCorpus({ seed: Number(values.seed), count: Number(values.count), dir: join(dir, "cases"), sources: defaultSources(sharedDataDir, extra), everyBoundary: values["every-boundary"] });
  const results = await runCases(cases, { workers: Number(values.workers) });
  const s = summarize(results);
  const kinds: Record<string, number> = {};
  for (const c of cases) {
    const k = c.kind.split(/[ @]/)[0];
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  console.log(`fuzz: ${results.length} files from ${new Set(cases.map((c) => c.source)).size} sources, seed ${values.seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`mutations: ${JSON.stringify(kinds)}`);
  console.log(`outcomes: ${JSON.stringify(s.counts)}; peak RSS of any reader ${(s.maxRssKb / 1024).toFixed(0)} MiB; slowest read ${s.slowestMs} ms`);
  for (const f of s.failures) console.log(`FAIL ${f.outcome} ${f.file} (${f.kind} of ${f.source}): ${f.detail}`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ seed: Number(values.seed), counts: s.counts, kinds, maxRssKb: s.maxRssKb, slowestMs: s.slowestMs, failures: s.failures }, null, 1));
  process.exitCode = s.failures.length ? 1 : 0;
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
