// Backend selection: `pssr backend`, forcing, errors, and wasm/cpu agreement.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { PssrError } from "../../src/errors.js";
import { describeBackends, selectBackend } from "../../src/backend/index.js";
import { missingNativeBinding } from "../../src/backend/select.js";
import { repoRoot, runCli } from "../helpers.js";
import { maxAbsError, randomArray } from "./arrays.js";

const installed = (pkg: string) => existsSync(join(repoRoot, "node_modules", pkg, "package.json"));

test("pssr backend --json lists every backend, the chosen one, and why not the others", () => {
  const r = runCli(["backend", "--json"], { env: { PSSR_BACKEND: "" } });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { chosen: string; backends: { name: string; available: boolean; chosen: boolean; why: string; details: Record<string, unknown> }[] };
  assert.deepEqual(report.backends.map((b) => b.name), ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu", "webgpu"]);
  const by = Object.fromEntries(report.backends.map((b) => [b.name, b]));
  assert.ok(by.wasm.available && by.cpu.available);
  assert.equal(report.backends.filter((b) => b.chosen).length, 1);
  if (!installed("@tensorflow/tfjs-node-gpu") && !installed("@tensorflow/tfjs-node")) {
    assert.equal(report.chosen, "wasm");
    assert.match(by["tfjs-node"].why, /not installed/);
    assert.match(by.cpu.why, /wasm comes first/);
    assert.equal(by.wasm.details.simd, true);
    assert.equal(typeof by.wasm.details.threads, "boolean");
  }
  for (const b of report.backends) if (!b.chosen) assert.ok(b.why.length > 10, `${b.name} says why`);
  const text = runCli(["backend"], { env: { PSSR_BACKEND: "" } });
  assert.equal(text.status, 0);
  assert.match(text.stdout, new RegExp(`chosen: ${report.chosen}`));
  assert.equal(text.stdout.trim().split("\n").length, 6);
});

test("a forced unknown backend is an error listing the valid names", async () => {
  await assert.rejects(selectBackend({ name: "tpu" }), (e: unknown) => e instanceof PssrError && e.code === "unknown-name" && /wasm/.test(e.message));
  const r = runCli(["backend"], { env: { PSSR_BACKEND: "tpu" } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown backend "tpu"; valid: tfjs-node-gpu, tfjs-node, wasm, cpu, webgpu/);
  assert.equal(r.stderr.trim().split("\n").length, 1, "one line, no stack");
});

test("a forced backend that cannot start says why", async () => {
  const missing = ["tfjs-node", "tfjs-node-gpu"].find((n) => !installed(`@tensorflow/${n}`));
  if (missing) {
    await assert.rejects(selectBackend({ name: missing }), (e: unknown) => e instanceof PssrError && e.code === "backend-unavailable" && /not installed/.test(e.message));
  }
  const report = await describeBackends({ name: "webgpu" });
  const webgpu = report.backends.find((b) => b.name === "webgpu")!;
  if (!webgpu.available) {
    assert.equal(report.chosen, null);
    assert.match(report.error ?? "", /backend webgpu cannot start: .*(Vulkan|adapter|GPU)/);
    const r = runCli(["backend", "--backend", "webgpu"]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /no backend chosen: backend webgpu cannot start/);
  }
});

test("wasm and cpu give the same conv2d forward result within 1e-4", async () => {
  const x = randomArray(2 * 17 * 19 * 5, 1);
  const w = randomArray(3 * 3 * 5 * 7, 2, 0.3);
  const out: Float32Array[] = [];
  for (const name of ["wasm", "cpu"]) {
    const { tf } = await selectBackend({ name });
    const y = tf.tidy(() => tf.conv2d(tf.tensor4d(x, [2, 17, 19, 5]), tf.tensor4d(w, [3, 3, 5, 7]), 1, "same"));
    out.push((await y.data()) as Float32Array);
    y.dispose();
  }
  assert.ok(maxAbsError(out[0], out[1]) < 1e-4, `max abs error ${maxAbsError(out[0], out[1])}`);
});

test("a tfjs-node installed with its install script off is reported as lacking its binding, not imported", () => {
  // The layout npm leaves with --ignore-scripts: the package without lib/napi-v*/tfjs_binding.node.
  const root = mkdtempSync(join(tmpdir(), "pssr-tfn-"));
  try {
    const pkgDir = join(root, "node_modules", "@tensorflow", "tfjs-node");
    mkdirSync(pkgDir, { recursive: true });
    writeFileSync(join(pkgDir, "package.json"), JSON.stringify({ name: "@tensorflow/tfjs-node", version: "4.22.0" }));
    const from = pathToFileURL(join(root, "index.js")).href;
    assert.match(missingNativeBinding("@tensorflow/tfjs-node", from) ?? "", /installed without its native binding .*npm rebuild @tensorflow\/tfjs-node/);
    mkdirSync(join(pkgDir, "lib", "napi-v8"), { recursive: true });
    writeFileSync(join(pkgDir, "lib", "napi-v8", "tfjs_binding.node"), "");
    assert.equal(missingNativeBinding("@tensorflow/tfjs-node", from), null);
    assert.equal(missingNativeBinding("@tensorflow/no-such-package", from), null, "absence is importOptional's to report");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
