// The ways README gives to call `pssr` that can never run someone else's package: `npm run pssr`
// in a checkout, `npx --no pssr` in a project that depends on pssr-lab (npm 11 runs its
// node_modules/.bin/pssr), and `npx --no` outside any project fails instead of fetching an
// unrelated registry package named "pssr". All with --offline: no registry is needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, samplesDir } from "../helpers.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const npm = (args: string[], cwd: string) => spawnSync("npm", args, { cwd, encoding: "utf8", timeout: 120_000, env: { ...process.env, npm_config_update_notifier: "false" } });
const em = join(samplesDir, "em", "emdiffuse_demo", "mouse_liver_0.tif");

test("in the checkout: npm run pssr -- ARGS runs the built CLI (from any folder with --prefix)", () => {
  const r = npm(["run", "--offline", "--silent", "pssr", "--", "--version"], repoRoot);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), version);
  const elsewhere = npm(["--prefix", repoRoot, "run", "--offline", "--silent", "pssr", "--", "info", em, "--json"], tmpdir());
  assert.equal(elsewhere.status, 0, elsewhere.stderr);
  assert.deepEqual((JSON.parse(elsewhere.stdout) as { shape: number[] }).shape, [256, 256]);
});

test("in a project that installed pssr-lab: npx --no pssr runs ours; with no project it refuses to fetch", () => {
  const consumer = mkdtempSync(join(tmpdir(), "pssr-consumer-"));
  const empty = mkdtempSync(join(tmpdir(), "pssr-noproject-"));
  try {
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
    const inst = npm(["install", "--offline", "--ignore-scripts", "--no-save", "--no-audit", "--no-fund", repoRoot], consumer);
    assert.equal(inst.status, 0, inst.stderr);
    const r = npm(["exec", "--no", "--offline", "--", "pssr", "info", em, "--json"], consumer);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { shape: number[] }).shape, [256, 256]);
    const x = spawnSync("npx", ["--no", "--offline", "pssr", "--version"], { cwd: consumer, encoding: "utf8", timeout: 120_000 });
    assert.equal(x.stdout.trim(), version, x.stderr);
    // Outside any project: npx --no does not install (nor run) a registry package named pssr.
    writeFileSync(join(empty, "package.json"), JSON.stringify({ name: "empty", version: "1.0.0", private: true }));
    const none = spawnSync("npx", ["--no", "--offline", "pssr", "--version"], { cwd: empty, encoding: "utf8", timeout: 120_000 });
    assert.notEqual(none.status, 0);
    assert.notEqual(none.stdout.trim(), version);
  } finally {
    rmSync(consumer, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  }
});

test("README never tells a user to type a bare `npx pssr`", () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  assert.doesNotMatch(readme, /npx pssr/, "bare npx pssr asks the registry for an unrelated package outside the project");
});
