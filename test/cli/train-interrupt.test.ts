// Ctrl-C (SIGINT) during the first epoch of `pssr train`: no checkpoint exists yet, so the
// command says there is nothing to resume, leaves no empty model folder, and --resume agrees.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, runCli, samplesDir } from "../helpers.js";

const emDir = join(samplesDir, "em", "emdiffuse_demo");

test("SIGINT before the first epoch ends: 'nothing to resume', exit 130, no model folder left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-sigint-"));
  try {
    const model = join(dir, "model");
    const args = ["train", "--hr", emDir, "--out", model, "--epochs", "2", "--steps", "500", "--batch", "1", "--patch", "32"];
    const child = spawn(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PSSR_PROGRESS_INTERVAL_MS: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (d) => {
        stderr += d;
        // The first step line: training is under way, epoch 1 far from done.
        if (/epoch 1\/2: 1\/500/.test(stderr) && !child.killed) child.kill("SIGINT");
      });
      child.on("close", (c) => resolve(c));
    });
    assert.equal(code, 130, stderr);
    assert.match(stdout, /interrupted during epoch 1, before its checkpoint: nothing to resume; run again without --resume/);
    assert.doesNotMatch(stdout, /resume with --resume/);
    assert.ok(!existsSync(model), "no empty model folder left behind");
    const r = runCli([...args, "--resume"].map((a) => (a === "500" ? "1" : a)));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--resume: .* holds no checkpoint to continue from; train without --resume/);
    assert.ok(!existsSync(model), "--resume made no folder either");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
