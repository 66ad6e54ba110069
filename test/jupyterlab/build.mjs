#!/usr/bin/env node
// Builds the JupyterLab front end of test/jupyterlab/app once and caches it outside the clone,
// keyed by a hash of the app's files (package.json, package-lock.json, rspack.config.cjs,
// upstream/), so a fresh clone on the same machine (CI) reuses it. Prints the folder holding
// static/ schemas/ themes/ package.json.
//   node test/jupyterlab/build.mjs [--print-key]
// Cache root: $PSSR_JUPYTERLAB_CACHE, else $XDG_CACHE_HOME/pssr-lab-jupyterlab, else
// ~/.cache/pssr-lab-jupyterlab. The build runs in a temporary sibling folder renamed into place
// when complete, so an interrupted build never leaves a half cache entry.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "app");
const KEPT = ["static", "schemas", "themes", "package.json"];

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (name === "node_modules" || KEPT.includes(name) && dir === appDir && name !== "package.json") return [];
      return statSync(p).isDirectory() ? files(p) : [p];
    });
}

export function cacheKey() {
  const h = createHash("sha256");
  for (const f of files(appDir)) h.update(relative(appDir, f)).update("\0").update(readFileSync(f)).update("\0");
  // the build's output depends on node's major version only through rspack's binary
  h.update(`node ${process.versions.node.split(".")[0]} ${process.platform}-${process.arch}`);
  return h.digest("hex").slice(0, 16);
}

export function cacheRoot() {
  return process.env.PSSR_JUPYTERLAB_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "pssr-lab-jupyterlab");
}

function run(cmd, args, cwd) {
  const t0 = Date.now();
  const r = spawnSync("nice", ["-n", "10", cmd, ...args], { cwd, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, NODE_OPTIONS: "" } });
  if (r.status !== 0) throw new Error(`jupyterlab build: ${cmd} ${args.join(" ")} failed (exit ${r.status}) in ${cwd}`);
  console.error(`# jupyterlab build: ${cmd} ${args[0]} ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** The built lab's folder, building it first when the cache has no entry for this key. */
export function ensureLabBuild({ log = console.error } = {}) {
  const key = cacheKey();
  const dest = join(cacheRoot(), `jupyterlab-${key}`);
  if (existsSync(join(dest, "static", "index.html"))) return { dir: dest, built: false, seconds: 0 };
  const t0 = Date.now();
  mkdirSync(cacheRoot(), { recursive: true });
  const work = `${dest}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  log(`# jupyterlab build: ${appDir} -> ${dest} (npm ci + rspack; a few minutes the first time)`);
  try {
    cpSync(appDir, work, { recursive: true, filter: (src) => !/[\\/](node_modules|static|schemas|themes)$/.test(src) });
    // no install scripts: every package of the lock works without them (rspack's binary is an optional dependency)
    run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], work);
    run(join(work, "node_modules", ".bin", "rspack"), ["--config", "rspack.config.cjs"], work);
    if (!existsSync(join(work, "static", "index.html"))) throw new Error("jupyterlab build: rspack wrote no static/index.html");
    // Keep what the server reads; node_modules (about 600 MB) goes, npm's own cache keeps the tarballs.
    for (const name of readdirSync(work)) if (!KEPT.includes(name)) rmSync(join(work, name), { recursive: true, force: true });
    writeFileSync(join(work, "BUILD-INFO.json"), JSON.stringify({ key, seconds: Math.round((Date.now() - t0) / 1000), date: new Date().toISOString(), node: process.version }, null, 1));
    try {
      renameSync(work, dest);
    } catch (e) {
      if (!existsSync(join(dest, "static", "index.html"))) throw e; // a parallel build won the race
      rmSync(work, { recursive: true, force: true });
    }
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  return { dir: dest, built: true, seconds: (Date.now() - t0) / 1000 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--print-key")) console.log(cacheKey());
  else {
    const r = ensureLabBuild();
    console.error(`# jupyterlab build: ${r.built ? `built in ${r.seconds.toFixed(0)} s` : "cached"}`);
    console.log(r.dir);
  }
}
