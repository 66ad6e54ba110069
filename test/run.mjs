// Runs compiled test files with node's built-in test runner (node 20 takes no globs).
//   node test/run.mjs [SUBSTRING ...]         the files whose path contains a substring (all without one)
//   node test/run.mjs --unit [SUBSTRING ...]  only the tests that need no Python, Jupyter, Chromium or ImageJ
//   --list                                    print the chosen files instead of running them
// A test needs those tools when it, or a local module it imports (transitively), imports one
// of EXTERNAL_HELPERS from test/helpers.js; that is decided from the imports, not declared.
// The unit tier runs with PSSR_TEST_TIER=unit, under which those helpers refuse to start the
// tools, and with a PATH on which python, jupyter, chromium, java and xvfb-run do not exist:
// a test that starts one without saying so fails there instead of passing by luck.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, delimiter } from "node:path";
import { spawnSync } from "node:child_process";

const EXTERNAL_HELPERS = ["python", "runPython", "isolatedJupyter", "usesTools", "startJupyterServer"];
const HIDDEN_TOOLS = /^(python|ipython|jupyter|chromium|chrome|java|xvfb-run|imagej)/;

const root = new URL("../dist/test/", import.meta.url).pathname;
const args = process.argv.slice(2);
const unit = args.includes("--unit");
const list = args.includes("--list");
const filter = args.filter((a) => a !== "--unit" && a !== "--list");
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".test.js") ? [p] : [];
  });
}

/** Local modules a compiled file imports, and the names it imports from test/helpers.js. */
function importsOf(file) {
  const text = readFileSync(file, "utf8");
  const local = [];
  const helperNames = [];
  // import x, { a as b } from "./m.js" | export * from "./m.js" | import "./m.js" | import("./m.js")
  for (const m of text.matchAll(/(?:import|export)\s*(?:type\s*)?[\w$*\s,]*?(?:\{([^}]*)\})?\s*from\s*["'](\.[^"']+)["']|import\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g)) {
    const spec = m[2] ?? m[3] ?? m[4];
    const target = resolve(dirname(file), spec);
    if (target === join(root, "helpers.js")) helperNames.push(...(m[1] ?? "").split(",").map((s) => s.trim().split(/\s+as\s+/)[0]).filter(Boolean));
    else if (target.startsWith(root) && existsSync(target)) local.push(target);
  }
  return { local, helperNames };
}

const externalCache = new Map();
/** Whether `file` or a local module it imports uses an external-tool helper. */
function needsExternalTools(file, seen = new Set()) {
  if (externalCache.has(file)) return externalCache.get(file);
  if (seen.has(file)) return false;
  seen.add(file);
  const { local, helperNames } = importsOf(file);
  const result = helperNames.some((n) => EXTERNAL_HELPERS.includes(n)) || local.some((f) => needsExternalTools(f, seen));
  externalCache.set(file, result);
  return result;
}

/** A folder of links to everything on PATH except the hidden tools: the unit tier's PATH. */
function pathWithoutTools() {
  const shim = mkdtempSync(join(tmpdir(), "pssr-unit-path-"));
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (HIDDEN_TOOLS.test(name) || existsSync(join(shim, name))) continue;
      try {
        symlinkSync(join(dir, name), join(shim, name));
      } catch {
        // a name listed twice or unreadable: the first one wins
      }
    }
  }
  return shim;
}

let files = walk(root)
  .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)))
  .sort();
if (unit) files = files.filter((f) => !needsExternalTools(f));
if (files.length === 0) {
  console.error("no test files found under dist/test (did the build run?)");
  process.exit(1);
}
if (list) {
  for (const f of files) console.log(f.slice(root.length));
  process.exit(0);
}
let env = process.env;
let shim = null;
if (unit) {
  shim = pathWithoutTools();
  env = { ...process.env, PSSR_TEST_TIER: "unit", PATH: shim };
  console.log(`unit tier: ${files.length} test files (no Python, Jupyter, Chromium or ImageJ)`);
}
const r = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], { stdio: "inherit", env });
if (shim) rmSync(shim, { recursive: true, force: true });
process.exit(r.status ?? 1);
