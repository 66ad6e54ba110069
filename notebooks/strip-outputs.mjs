#!/usr/bin/env node
// Strips outputs from Jupyter notebooks before they are committed: cell outputs, execution
// counts, per-cell execution timestamps and the saved widget state (which holds every image a
// widget showed, megabytes per notebook). Sources, cell ids, tags and the kernelspec stay.
//
//   node notebooks/strip-outputs.mjs                 strip every .ipynb under notebooks/
//   node notebooks/strip-outputs.mjs a.ipynb b.ipynb strip these
//   node notebooks/strip-outputs.mjs --check [...]   change nothing; exit 1 and name the files that have outputs
//
// Files are rewritten atomically (temporary name, then rename) in nbformat's layout (1-space
// indent, trailing newline), and only when something changed.
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Every .ipynb under `dir` (skipping checkpoints, node_modules and run outputs). */
export function findNotebooks(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name === ".ipynb_checkpoints" || name === "runs") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findNotebooks(path));
    else if (name.endsWith(".ipynb")) out.push(path);
  }
  return out;
}

/** Returns the notebook without outputs, and whether anything was removed. */
export function stripNotebook(nb) {
  let changed = false;
  const cells = (nb.cells ?? []).map((cell) => {
    const c = { ...cell };
    if (c.metadata && ("execution" in c.metadata || "collapsed" in c.metadata || "scrolled" in c.metadata)) {
      const { execution, collapsed, scrolled, ...rest } = c.metadata;
      c.metadata = rest;
      changed = true;
    }
    if (c.cell_type === "code") {
      if ((c.outputs ?? []).length > 0) changed = true;
      if (c.execution_count !== null && c.execution_count !== undefined) changed = true;
      c.outputs = [];
      c.execution_count = null;
    }
    return c;
  });
  const metadata = { ...(nb.metadata ?? {}) };
  if ("widgets" in metadata) {
    delete metadata.widgets;
    changed = true;
  }
  return { notebook: { ...nb, metadata, cells }, changed };
}

/** nbformat's own JSON layout: sorted keys are not required, 1-space indent, newline at the end. */
export function serialize(nb) {
  return JSON.stringify(nb, null, 1) + "\n";
}

function main(argv) {
  const check = argv.includes("--check");
  const files = argv.filter((a) => a !== "--check");
  const targets = files.length ? files : findNotebooks(here);
  const dirty = [];
  for (const file of targets) {
    let nb;
    try {
      nb = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      console.error(`${file}: not a readable notebook (${e.message})`);
      return 2;
    }
    const { notebook, changed } = stripNotebook(nb);
    if (!changed) continue;
    dirty.push(file);
    if (!check) {
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, serialize(notebook));
      renameSync(tmp, file);
    }
  }
  const shown = dirty.map((f) => relative(process.cwd(), f) || f);
  if (check) {
    if (dirty.length) {
      console.error(`notebooks with outputs (run node notebooks/strip-outputs.mjs): ${shown.join(", ")}`);
      return 1;
    }
    console.log(`${targets.length} notebook(s) without outputs`);
    return 0;
  }
  console.log(dirty.length ? `stripped ${shown.join(", ")}` : `${targets.length} notebook(s) already without outputs`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
