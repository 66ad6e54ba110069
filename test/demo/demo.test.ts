// `pssr demo` end to end: runs the built CLI in a temp folder, then recomputes every metric it
// reports from the files it wrote, with tifffile + scikit-image (test/ref/demo_check.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, runPython, samplesDir } from "../helpers.js";

test("pssr demo writes restorations, metrics and a report whose numbers scikit-image reproduces", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-demo-"));
  try {
    const out = join(dir, "out");
    const r = runCli(["demo", "--out", out, "--seed", "3"], { env: { PSSR_QUICK: "1" } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /PSNR \(dB\)/);
    assert.match(r.stdout, /report: +.*report\.html/);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    assert.equal(metrics.seed, 3);
    const reference = JSON.parse(runPython("demo_check.py", [out, samplesDir]));
    let compared = 0;
    for (const row of metrics.rows as { image: string; method: string; psnr: number; ssim: number; nrmse: number }[]) {
      const ref = reference[`${row.image}/${row.method}`];
      if (!ref) continue;
      assert.ok(Math.abs(row.psnr - ref.psnr) < 1e-4, `${row.image}/${row.method} PSNR ${row.psnr} vs skimage ${ref.psnr}`);
      assert.ok(Math.abs(row.ssim - ref.ssim) < 1e-4, `${row.image}/${row.method} SSIM ${row.ssim} vs skimage ${ref.ssim}`);
      assert.ok(Math.abs(row.nrmse - ref.nrmse) < 1e-4, `${row.image}/${row.method} NRMSE ${row.nrmse} vs skimage ${ref.nrmse}`);
      compared++;
    }
    assert.equal(compared, 4);
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.equal((html.match(/<img /g) ?? []).length, 2 * 4);
    assert.ok(!readdirSync(out).some((f) => f.includes(".tmp")), "no temporary files left behind");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pssr demo refuses a bad seed with one clear line and writes nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-demo-"));
  try {
    const out = join(dir, "out");
    const r = runCli(["demo", "--out", out, "--seed", "abc"]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /--seed must be a number/);
    assert.ok(!existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
