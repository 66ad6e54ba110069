// The one atomic-write helper: files (async and sync) and whole folders are complete or absent,
// failures name the destination in one line and leave no temporary behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atomicWriteFile, atomicWriteFileSync, replaceDirectory, temporaryDirFor } from "../../src/io/atomic.js";
import { PssrError } from "../../src/errors.js";

const work = mkdtempSync(join(tmpdir(), "pssr-atomic-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

test("atomicWriteFileSync writes, replaces, and on failure leaves the old file and no temporary", () => {
  const dir = join(work, "sync");
  mkdirSync(dir);
  const p = join(dir, "a.json");
  atomicWriteFileSync(p, "first");
  atomicWriteFileSync(p, new Uint8Array([104, 105]));
  assert.equal(readFileSync(p, "utf8"), "hi");
  mkdirSync(join(dir, "taken"));
  assert.throws(() => atomicWriteFileSync(join(dir, "taken"), "x"), (e: unknown) => e instanceof PssrError && e.message.includes("taken") && !e.message.includes("\n"));
  assert.throws(() => atomicWriteFileSync(join(dir, "missing", "b.json"), "x"), (e: unknown) => e instanceof PssrError && /folder .*missing does not exist/.test(e.message));
  assert.deepEqual(readdirSync(dir).sort(), ["a.json", "taken"]);
  atomicWriteFileSync(join(dir, "made", "c.json"), "c", { createFolder: true });
  assert.equal(readFileSync(join(dir, "made", "c.json"), "utf8"), "c");
});

test("atomicWriteFile creates the folder when asked and writes strings", async () => {
  const p = join(work, "async", "deep", "x.txt");
  await assert.rejects(atomicWriteFile(p, "x"), (e: unknown) => e instanceof PssrError && e.message.includes("does not exist"));
  await atomicWriteFile(p, "x", { createFolder: true, durable: false });
  assert.equal(readFileSync(p, "utf8"), "x");
  assert.deepEqual(readdirSync(join(work, "async", "deep")), ["x.txt"]);
});

test("replaceDirectory swaps a filled temporary folder in; the previous version is gone afterwards", () => {
  const parent = join(work, "dirs");
  mkdirSync(parent);
  const final = join(parent, "checkpoint");
  for (const version of ["1", "2"]) {
    const tmp = temporaryDirFor(final);
    assert.deepEqual(readdirSync(tmp), []);
    writeFileSync(join(tmp, "state.json"), version);
    replaceDirectory(tmp, final);
    assert.equal(readFileSync(join(final, "state.json"), "utf8"), version);
    assert.deepEqual(readdirSync(parent), ["checkpoint"]);
  }
  // A failed swap (the temporary folder is gone) keeps the current version in place.
  assert.throws(() => replaceDirectory(join(parent, ".nothing.tmp"), final));
  assert.equal(readFileSync(join(final, "state.json"), "utf8"), "2");
  assert.ok(!existsSync(`${final}.old`));
});
