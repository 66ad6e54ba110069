#!/usr/bin/env node
// Builds a Jupyter front end of test/jupyterlab once and caches it outside the clone, keyed by a
// hash of the app's files (package.json, package-lock.json, rspack.config.cjs, src/), so a
// fresh clone on the same machine (CI) reuses it. Apps: `app` (JupyterLab) and `notebook-app`
// (Notebook 7). Prints the folder holding static/ schemas/ themes/ [templates/] package.json.
//   node test/jupyterlab/build.mjs [app|notebook-app] [--print-key]
// Cache root: $PSSR_JUPYTERLAB_CACHE, else $XDG_CACHE_HOME/pssr-lab-jupyterlab, else
// ~/.cache/pssr-lab-jupyterlab. The build runs in a temporary sibling folder renamed into place
// when complete, so an interrupted build never leaves a half cache entry.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const APPS = { app: "jupyterlab", "notebook-app": "notebook" };
// what the servers read; everything else (node_modules: about 600 MB) is dropped after the build
const KEPT = ["static", "schemas", "themes", "templates", "package.json", "BUILD-INFO.json"];
const OUTPUTS = /[\\/](node_modules|static|schemas|themes|templates|build)$/;

function files(appDir, dir = appDir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (OUTPUTS.test(p) && dir === appDir) return [];
      return statSync(p).isDirectory() ? files(appDir, p) : [p];
    });
}

export function cacheKey(app = "app") {
  const appDir = join(here, app);
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

/** The built app's folder, building it first when the cache has no entry for this key. */
export function ensureBuild(app = "app", { log = console.error } = {}) {
  if (!(app in APPS)) throw new Error(`unknown app ${app}: one of ${Object.keys(APPS).join(", ")}`);
  const appDir = join(here, app);
  const key = cacheKey(app);
  const dest = join(cacheRoot(), `${APPS[app]}-${key}`);
  if (existsSync(join(dest, "BUILD-INFO.json"))) return { dir: dest, built: false, seconds: 0 };
  const t0 = Date.now();
  mkdirSync(cacheRoot(), { recursive: true });
  // leftovers of earlier builds whose background delete was cut short
  for (const name of readdirSync(cacheRoot())) if (name.endsWith(".trash")) spawn("nice", ["-n", "19", "rm", "-rf", join(cacheRoot(), name)], { detached: true, stdio: "ignore" }).unref();
  const work = `${dest}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  log(`# jupyterlab build: ${appDir} -> ${dest} (npm ci + rspack; a few minutes the first time)`);
  try {
    cpSync(appDir, work, { recursive: true, filter: (src) => src === appDir || !(OUTPUTS.test(src) && dirname(src) === appDir) });
    // no install scripts: every package of the lock works without them (rspack's binary is an optional dependency)
    run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], work);
    run(join(work, "node_modules", ".bin", "rspack"), ["--config", "rspack.config.cjs"], work);
    if (readdirSync(join(work, "static")).length === 0) throw new Error("jupyterlab build: rspack wrote nothing into static/");
    // Keep what the server reads; the rest goes (npm's own cache keeps the tarballs). Deleting
    // 600 MB of node_modules takes minutes on a busy disk: it is moved aside and deleted by a
    // detached low-priority rm while the tests run.
    const trash = `${work}.trash`;
    mkdirSync(trash);
    for (const name of readdirSync(work)) if (!KEPT.includes(name)) renameSync(join(work, name), join(trash, name));
    spawn("nice", ["-n", "19", "rm", "-rf", trash], { detached: true, stdio: "ignore" }).unref();
    writeFileSync(join(work, "BUILD-INFO.json"), JSON.stringify({ app, key, seconds: Math.round((Date.now() - t0) / 1000), date: new Date().toISOString(), node: process.version }, null, 1));
    try {
      renameSync(work, dest);
    } catch (e) {
      if (!existsSync(join(dest, "BUILD-INFO.json"))) throw e; // a parallel build won the race
      rmSync(work, { recursive: true, force: true });
    }
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  return { dir: dest, built: true, seconds: (Date.now() - t0) / 1000 };
}

/** The JupyterLab build (the default app). */
export const ensureLabBuild = (opts) => ensureBuild("app", opts);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const app = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "app";
  if (process.argv.includes("--print-key")) console.log(cacheKey(app));
  else {
    const r = ensureBuild(app);
    console.error(`# jupyterlab build: ${r.built ? `built in ${r.seconds.toFixed(0)} s` : "cached"}`);
    console.log(r.dir);
  }
}
