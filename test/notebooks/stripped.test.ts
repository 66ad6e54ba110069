// Committed notebooks carry no outputs, and notebooks/strip-outputs.mjs strips an executed
// notebook into one nbformat (the reference: Debian's python3-nbformat) still validates, with
// sources untouched.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { python, repoRoot } from "../helpers.js";

const tool = join(repoRoot, "notebooks", "strip-outputs.mjs");

function notebooksUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (["runs", "node_modules", ".ipynb_checkpoints"].includes(name)) return [];
    return statSync(p).isDirectory() ? notebooksUnder(p) : name.endsWith(".ipynb") ? [p] : [];
  });
}

function validate(file: string): { status: number | null; stderr: string } {
  const r = spawnSync(python, ["-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')", file], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

test("committed notebooks have no outputs, execution counts or widget state, and are valid nbformat 4", () => {
  const files = notebooksUnder(join(repoRoot, "notebooks"));
  assert.ok(files.length >= 6, files.join(", "));
  for (const f of files) {
    const nb = JSON.parse(readFileSync(f, "utf8"));
    assert.equal(nb.nbformat, 4, f);
    assert.equal(nb.metadata.kernelspec?.name, "pssr-ts", `${f}: kernelspec`);
    assert.equal(nb.metadata.widgets, undefined, `${f}: saved widget state`);
    for (const [i, c] of nb.cells.entries()) {
      if (c.cell_type !== "code") continue;
      assert.deepEqual(c.outputs, [], `${f} cell ${i} has outputs`);
      assert.equal(c.execution_count, null, `${f} cell ${i} has an execution count`);
    }
    const v = validate(f);
    assert.equal(v.status, 0, `${f}: ${v.stderr}`);
  }
  const check = spawnSync(process.execPath, [tool, "--check"], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
});

test("strip-outputs.mjs strips an executed notebook and keeps its sources", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-strip-"));
  try {
    const source = JSON.parse(readFileSync(join(repoRoot, "notebooks", "01-crappify.ipynb"), "utf8"));
    // What a run leaves behind: outputs of every kind, counts, timings, widget state.
    const executed = structuredClone(source);
    let n = 0;
    for (const c of executed.cells) {
      if (c.cell_type !== "code") continue;
      c.execution_count = ++n;
      c.metadata.execution = { "iopub.execute_input": "2026-01-01T00:00:00Z" };
      c.outputs = [
        { output_type: "stream", name: "stdout", text: ["hello\n"] },
        { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=", "text/plain": ["<Image>"] }, metadata: {} },
        { output_type: "execute_result", execution_count: n, data: { "text/plain": ["1"] }, metadata: {} },
      ];
    }
    executed.metadata.widgets = { "application/vnd.jupyter.widget-state+json": { state: {}, version_major: 2, version_minor: 0 } };
    const file = join(dir, "executed.ipynb");
    writeFileSync(file, JSON.stringify(executed));
    assert.equal(validate(file).status, 0, "the executed copy is valid to start with");

    const before = spawnSync(process.execPath, [tool, "--check", file], { encoding: "utf8" });
    assert.equal(before.status, 1, "--check flags outputs");
    assert.match(before.stderr, /executed\.ipynb/);
    assert.ok(readFileSync(file, "utf8").includes("hello"), "--check changes nothing");

    const r = spawnSync(process.execPath, [tool, file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const stripped = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(stripped, source, "stripping restores the committed notebook exactly");
    assert.equal(validate(file).status, 0);
    assert.equal(spawnSync(process.execPath, [tool, "--check", file], { encoding: "utf8" }).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
