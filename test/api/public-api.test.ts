// The public API is a decision, not an accident: src/index.ts exports exactly the names in
// test/api/public-api.txt, and every name a notebook, the course lab, a README, a doc or a test's
// kernel cell imports from "pssr-lab" is among them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { filesUnder, repoRoot } from "../helpers.js";

const listFile = join(repoRoot, "test", "api", "public-api.txt");
const committed = readFileSync(listFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

/** Names (values and types) src/index.ts exports, as the TypeScript checker resolves them. */
let declared: { values: Set<string>; all: Set<string> } | undefined;
function declaredExports(): { values: Set<string>; all: Set<string> } {
  if (declared) return declared;
  const entry = join(repoRoot, "src", "index.ts");
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const values = new Set<string>();
  const all = new Set<string>();
  for (const s of checker.getExportsOfModule(moduleSymbol)) {
    all.add(s.name);
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    if (target.flags & ts.SymbolFlags.Value) values.add(s.name);
  }
  declared = { values, all };
  return declared;
}

/** name -> files that import it from "pssr-lab" (cells of notebooks included; escaped quotes in test strings too). */
function importedNames(): Map<string, string[]> {
  const roots = ["notebooks", "kernel-setup", "docs", "test", "widgets/README.md", "README.md", "src/crappify/README.md"].map((p) => join(repoRoot, p));
  const files = roots.flatMap((r) => (r.endsWith(".md") ? [r] : filesUnder(r, (n) => /\.(ipynb|md|ts|mjs)$/.test(n))));
  const used = new Map<string, string[]>();
  for (const file of files) {
    let text = readFileSync(file, "utf8");
    if (file.endsWith(".ipynb")) text = (JSON.parse(text).cells as { source: string | string[] }[]).map((c) => [c.source].flat().join("")).join("\n");
    for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*\\?["']pssr-lab\\?["']/g)) {
      for (const part of m[1].split(",")) {
        const name = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0].trim();
        if (!/^[A-Za-z_$][\w$]*$/.test(name)) continue; // "..." in prose
        used.set(name, [...(used.get(name) ?? []), relative(repoRoot, file)]);
      }
    }
  }
  return used;
}

test("src/index.ts exports exactly the names of test/api/public-api.txt", () => {
  const { all } = declaredExports();
  const extra = [...all].filter((n) => !committed.includes(n)).sort();
  const missing = committed.filter((n) => !all.has(n));
  assert.deepEqual(extra, [], `exported but not in test/api/public-api.txt (add it there if it is meant to be public, else stop exporting it): ${extra.join(", ")}`);
  assert.deepEqual(missing, [], `in test/api/public-api.txt but not exported: ${missing.join(", ")}`);
  assert.equal(new Set(committed).size, committed.length, "test/api/public-api.txt lists a name twice");
});

test("the built package's runtime exports are the value names of the list", async () => {
  const { values } = declaredExports();
  const built = Object.keys(await import(join(repoRoot, "dist", "src", "index.js"))).sort();
  assert.deepEqual(built, [...values].sort());
});

test("internals stay internal", () => {
  // Helpers other modules share (offsets, gains, atomic writers, kernel registration) are not API.
  const { all } = declaredExports();
  for (const name of ["offset", "gain", "planeMax", "atomicWriteFile", "writeAtomic", "writeJsonAtomic", "reflectIndex", "fixBatchedGradientKernels"]) {
    assert.ok(!all.has(name), `${name} is exported`);
  }
});

test("every name the notebooks, the lab, the READMEs, the docs and kernel cells import from pssr-lab is exported", () => {
  const used = importedNames();
  // The scan must see the notebooks' imports, or it checks nothing.
  assert.ok(used.has("crappify") && used.has("readImage") && used.size > 30, `too few imports found (${used.size})`);
  const { all } = declaredExports();
  const missing = [...used].filter(([n]) => !all.has(n)).map(([n, files]) => `${n} (${[...new Set(files)].join(", ")})`);
  assert.deepEqual(missing, [], `imported from "pssr-lab" but not exported: ${missing.join("; ")}`);
});
