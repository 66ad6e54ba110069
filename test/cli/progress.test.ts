// Progress of long commands through the built CLI: plain lines with an ETA on stderr when not a
// terminal (from the first unit of work), nothing with --quiet, and a single redrawn bar on a
// pseudo-terminal (util-linux `script`). stdout stays the result.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, runCli, samplesDir } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pssr-progress-"));
const emDir = join(samplesDir, "em", "emdiffuse_demo");
const em = join(emDir, "mouse_liver_0.tif");
const stack = join(samplesDir, "fluo", "cancer_cell_migration_crop_48x130x130.tif");
const fast = { PSSR_PROGRESS_INTERVAL_MS: "1" };
const model = join(dir, "model");

/** stderr without the unrelated noise tfjs prints when a broken tfjs-node is installed. */
const clean = (s: string) =>
  s
    .split("\n")
    .filter((l) => !/already registered/.test(l))
    .join("\n");

test("train: a line per step with ETA when not a terminal; --quiet prints only the result", () => {
  const args = ["train", "--hr", emDir, "--out", model, "--epochs", "2", "--steps", "3", "--batch", "1", "--patch", "32"];
  const r = runCli(args, { env: fast });
  assert.equal(r.status, 0, r.stderr);
  const lines = clean(r.stderr).trim().split("\n");
  const steps = lines.filter((l) => /^epoch [12]\/2: \d\/3 \d+% ETA (\d+ s|\d+:\d\d)  loss [\d.]+ lr /.test(l));
  assert.equal(steps.length, 6, clean(r.stderr));
  assert.ok(lines.every((l) => !l.includes("\r")), "no carriage returns in a log");
  assert.match(r.stdout, /^trained 2 epochs/);
  const q = runCli([...args.slice(0, 4), join(dir, "model-q"), ...args.slice(5), "--quiet"], { env: fast });
  assert.equal(q.status, 0, q.stderr);
  // quiet: no progress; a warning (e.g. not better than bilinear) is not progress and may stay
  const left = clean(q.stderr).trim().split("\n").filter((l) => l !== "" && !l.startsWith("warning: "));
  assert.deepEqual(left, [], "quiet: nothing on stderr but warnings");
  assert.match(q.stdout, /^trained 2 epochs/);
});

test("predict: tiles done with an ETA from the first tile; crappify: planes of a stack; --quiet silences both", () => {
  const out = join(dir, "restored.tif");
  const r = runCli(["predict", model, em, "-o", out, "--tile", "64", "--overlap", "8"], { env: fast });
  assert.equal(r.status, 0, r.stderr);
  const tiles = clean(r.stderr).trim().split("\n").filter((l) => l.startsWith("restoring tiles: "));
  assert.match(tiles[0], /^restoring tiles: 0\/25 0% ETA \?$/, "shown before the first tile is done");
  assert.match(tiles[1], /^restoring tiles: 1\/25 4% ETA (\d+ s|\d+:\d\d)$/);
  assert.match(tiles[tiles.length - 1], /^restoring tiles: 25\/25 100% ETA 0 s$/);
  assert.match(r.stdout, /^wrote /);
  const q = runCli(["predict", model, em, "-o", out, "--tile", "64", "--overlap", "8", "--quiet"], { env: fast });
  assert.equal(q.status, 0, q.stderr);
  assert.equal(clean(q.stderr).trim(), "");

  const c = runCli(["crappify", stack, "-o", join(dir, "lr.tif"), "--recipe", "pssr-fluo", "--seed", "1"], { env: fast });
  assert.equal(c.status, 0, c.stderr);
  const planes = clean(c.stderr).trim().split("\n");
  assert.match(planes[0], /^crappifying planes: 0\/48 0% ETA \?$/);
  assert.match(planes[1], /^crappifying planes: 1\/48 2% ETA (\d+ s|\d+:\d\d)$/);
  assert.match(planes[planes.length - 1], /^crappifying planes: 48\/48 100% ETA 0 s$/);
  const cq = runCli(["crappify", stack, "-o", join(dir, "lr.tif"), "--recipe", "pssr-fluo", "--seed", "1", "--quiet"], { env: fast });
  assert.equal(cq.status, 0, cq.stderr);
  assert.equal(clean(cq.stderr).trim(), "");
});

test("on a terminal (script's pseudo-terminal) the progress is one bar redrawn with \\r", (t) => {
  if (spawnSync("script", ["--version"]).status !== 0) {
    t.skip("util-linux script is not installed");
    return;
  }
  const out = join(dir, "tty.tif");
  const cmd = [process.execPath, join(repoRoot, "dist", "src", "cli", "main.js"), "predict", model, em, "-o", out, "--tile", "64", "--overlap", "8"]
    .map((a) => `'${a}'`)
    .join(" ");
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", env: { ...process.env, PSSR_PROGRESS_INTERVAL_MS: "1" } });
  assert.equal(r.status, 0, r.stdout);
  const text = clean(r.stdout);
  const bars = text.split("\r").filter((s) => s.startsWith("restoring tiles ["));
  assert.ok(bars.length >= 2, text);
  assert.match(bars[bars.length - 1], /^restoring tiles \[#{20}\] 25\/25 100% ETA 0 s/);
  // The bar never scrolls: no line of the output starts a new "restoring tiles" line with \n.
  assert.doesNotMatch(text, /\nrestoring tiles/);
  assert.match(text, /wrote .*tty\.tif/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
