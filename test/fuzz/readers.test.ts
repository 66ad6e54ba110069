// Reader fuzz, small seeded corpus (the full run: node dist/test/fuzz/run.js, see docs): a few
// hundred files mutated from the shared formats and EM samples and from files pssr writes.
// Each read runs in a child process with a 5 s timeout and a 1 GiB RSS limit; every file must
// give a valid image or a typed one-line PssrError naming it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultSources, makeCorpus, tiffLayout } from "./mutate.js";
import { runCases, summarize } from "./harness.js";
import { fuzzExtraSources } from "./sources.js";
import { sharedDataDir } from "../helpers.js";

const work = mkdtempSync(join(tmpdir(), "pssr-fuzz-test-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

test("300 seeded mutations: a valid image or a typed one-line error each; no crash, hang or runaway memory", async (t) => {
  const extra = await fuzzExtraSources(join(work, "sources"));
  const sources = defaultSources(sharedDataDir, extra);
  assert.ok(sources.length >= 35, `${sources.length} sources`);
  const cases = makeCorpus({ seed: 20261202, count: 300, dir: join(work, "cases"), sources });
  assert.equal(cases.length, 300);
  const again = makeCorpus({ seed: 20261202, count: 300, dir: join(work, "again"), sources });
  assert.deepEqual(again.map((c) => c.kind), cases.map((c) => c.kind), "same seed, same corpus");
  assert.deepEqual(readFileSync(again[123].file), readFileSync(cases[123].file));
  const kinds = new Set(cases.map((c) => c.kind.split(/[ @]/)[0]));
  for (const k of ["truncate", "bitflip", "dims", "offset", "pointer", "loop", "next-ifd", "description"]) assert.ok(kinds.has(k), `mutation ${k} in the corpus`);
  const results = await runCases(cases, { workers: 2, timeoutMs: 5000, memoryLimitKb: 1024 * 1024 });
  const s = summarize(results);
  t.diagnostic(`outcomes ${JSON.stringify(s.counts)}, peak RSS ${(s.maxRssKb / 1024).toFixed(0)} MiB, slowest ${s.slowestMs} ms`);
  assert.deepEqual(
    s.failures.map((f) => `${f.outcome} ${f.kind} of ${f.source}: ${f.detail}`),
    [],
  );
  assert.ok((s.counts.image ?? 0) > 0 && (s.counts.error ?? 0) > 0);
});

test("the harness detects what it must: a hang, a crash, and memory past the limit", async () => {
  // A child that misbehaves on purpose, speaking the worker's protocol.
  const bad = join(work, "bad-worker.mjs");
  writeFileSync(
    bad,
    `process.on("message", (m) => {
      if (m.file === "hang") for (;;);
      if (m.file === "crash") process.abort();
      process.send({ i: m.i, outcome: "image", detail: "ok", maxRssKb: process.resourceUsage().maxRSS });
    });
    process.send({ ready: true });`,
  );
  const cases = ["hang", "fine", "crash", "fine"].map((file) => ({ file, source: file, kind: file }));
  const results = await runCases(cases, { workers: 1, timeoutMs: 1000, workerPath: bad });
  assert.deepEqual(results.map((r) => r.outcome), ["hang", "image", "crash", "image"], "a new child after each hang or crash");
  const [mem] = await runCases([{ file: "fine", source: "fine", kind: "fine" }], { workerPath: bad, memoryLimitKb: 1024 });
  assert.equal(mem.outcome, "memory", "a 1 MiB limit is passed by any node process");
});

test("absurd sizes are refused before allocating, with a clear line", async () => {
  const src = new Uint8Array(readFileSync(join(sharedDataDir, "em", "emdiffuse_demo", "mouse_liver_0.tif")));
  const lay = tiffLayout(src)!;
  const huge = (tags: number[], name: string) => {
    const b = src.slice();
    const v = new DataView(b.buffer);
    for (const e of lay.ifds[0].entries.filter((x) => tags.includes(x.tag))) {
      v.setUint16(e.at + 2, 4, true);
      v.setUint32(e.at + 4, 1, true);
      v.setUint32(e.at + 8, 100000, true);
    }
    const file = join(work, name);
    writeFileSync(file, b);
    return { file, source: "mouse_liver_0.tif", kind: name };
  };
  // 100000 x 100000 in one strip (RowsPerStrip too), and with the strip count left as it was.
  const [one, many] = await runCases([huge([256, 257, 278], "huge-one-strip.tif"), huge([256, 257], "huge.tif")]);
  assert.equal(one.outcome, "error", one.detail);
  assert.match(one.detail, /^corrupt-file: IFD 0 claims 100000x100000 pixels of 1x8 bits, but its strip 0 stores 65536 bytes where 10000000000 are needed/);
  assert.equal(many.outcome, "error", many.detail);
  assert.match(many.detail, /^corrupt-file: IFD 0 claims 100000x100000 pixels, 391 strips of 100000x256, but lists 1 data blocks/);
  for (const r of [one, many]) assert.ok(r.maxRssKb < 300 * 1024, `peak RSS ${r.maxRssKb} KiB`);
});
