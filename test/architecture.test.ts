// docs/ARCHITECTURE.md cannot drift from the code: its Rooms table names, for every room under
// src/, exactly the other rooms that room imports (walked from the import statements), and
// every `file:function` of its Algorithm index exists.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { filesUnder, repoRoot } from "./helpers.js";

const doc = readFileSync(join(repoRoot, "docs", "ARCHITECTURE.md"), "utf8");
const srcDir = join(repoRoot, "src");

/** The rows of the first table under `## heading`, split into trimmed cells. */
function tableRows(heading: string): string[][] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/ARCHITECTURE.md has no "## ${heading}" section`);
  const lines = doc.slice(start).split("\n").slice(2);
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(" | ").map((c) => c.trim()));
  }
  return rows;
}

/** The room of a file under src/: its top folder, or the file's name for src/*.ts. */
function roomOf(file: string): string {
  const parts = relative(srcDir, file).split(/[\\/]/);
  return parts.length === 1 ? parts[0].replace(/\.[jt]s$/, "") : parts[0];
}

/** room -> the other src rooms its files import (static, type-only and literal dynamic imports). */
function actualImports(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of filesUnder(srcDir, (n) => n.endsWith(".ts") && !n.endsWith(".d.ts"))) {
    const room = roomOf(file);
    if (!graph.has(room)) graph.set(room, new Set());
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"'`]+)["']\s*\)/g)) {
      const target = resolve(dirname(file), m[1] ?? m[2]);
      if (relative(srcDir, target).startsWith("..")) continue;
      const other = roomOf(target);
      if (other !== room) graph.get(room)!.add(other);
    }
  }
  return graph;
}

/** "errors, train (card, spec), io" -> ["errors", "train", "io"]; "—" -> []. */
function declaredList(cell: string): string[] {
  let plain = cell;
  while (/\([^()]*\)/.test(plain)) plain = plain.replace(/\([^()]*\)/g, "");
  if (plain.trim() === "—") return [];
  return plain.split(",").map((s) => s.trim()).filter(Boolean);
}

test("the Rooms table lists exactly the rooms each src room imports, and every src room has a row", () => {
  const declared = new Map<string, string[]>();
  for (const [folder, , imports] of tableRows("Rooms")) {
    const m = /^`src\/([^`/]+?)(?:\.ts)?`$/.exec(folder);
    if (!m) continue; // native/, widgets/, bench/, test/: not src rooms
    declared.set(m[1], declaredList(imports));
  }
  const actual = actualImports();
  const rooms = readdirSync(srcDir).map((n) => n.replace(/\.ts$/, "")).filter((n) => !n.endsWith(".d"));
  assert.deepEqual([...actual.keys()].sort(), [...new Set(rooms)].sort(), "every room walked");
  const problems: string[] = [];
  for (const room of actual.keys()) {
    const said = declared.get(room);
    if (!said) {
      problems.push(`src/${room} has no row in the Rooms table`);
      continue;
    }
    const is = actual.get(room)!;
    const unlisted = [...is].filter((r) => !said.includes(r)).sort();
    const untrue = said.filter((r) => !is.has(r)).sort();
    if (unlisted.length) problems.push(`src/${room} imports ${unlisted.join(", ")} (not in its imports column)`);
    if (untrue.length) problems.push(`src/${room}'s imports column names ${untrue.join(", ")}, which it does not import`);
  }
  for (const room of declared.keys()) if (!actual.has(room)) problems.push(`the Rooms table has a row for src/${room}, which does not exist`);
  assert.deepEqual(problems, []);
});

test("every file:function of the Algorithm index exists", () => {
  const rows = tableRows("Algorithm index");
  const refs = rows.flatMap(([, where]) => [...where.matchAll(/`([^`:]+):([\w.]+)`/g)].map((m) => ({ file: m[1], name: m[2] })));
  assert.ok(refs.length >= 30, `only ${refs.length} entries parsed`);
  const problems: string[] = [];
  for (const { file, name } of refs) {
    const path = join(repoRoot, file);
    if (!existsSync(path)) {
      problems.push(`${file} does not exist`);
      continue;
    }
    const text = readFileSync(path, "utf8");
    const [owner, method] = name.includes(".") ? name.split(".") : [name, undefined];
    const declaresOwner = new RegExp(`(?:function\\*?|class|const|let)\\s+${owner}\\b`).test(text);
    const declaresMethod = method === undefined || new RegExp(`\\n\\s+(?:static\\s+)?(?:async\\s+)?${method}\\s*[(<]`).test(text);
    if (!declaresOwner || !declaresMethod) problems.push(`${file} declares no ${name}`);
  }
  assert.deepEqual(problems, []);
});
