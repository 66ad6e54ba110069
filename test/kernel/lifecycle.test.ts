// The kernel's lifecycle against jupyter_client (test/ref/kernel_lifecycle.py): busy/idle in
// ipykernel's order when requests arrive together (Debian's ipykernel is the reference, run
// through the same script), interrupting code SIGINT cannot reach and an interrupted cell's
// leftovers, crashes seen by jupyter_client's restarter, no orphan left spinning when the
// Jupyter process dies, and debug_request answered.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isolatedJupyter, python, repoRoot } from "../helpers.js";

const KERNEL = "pssr-ts-lifecycle";
const SCRIPT = join(repoRoot, "test", "ref", "kernel_lifecycle.py");
let work = "";
let env: NodeJS.ProcessEnv = {};

function runRef(args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(python, [SCRIPT, ...args], { encoding: "utf8", env: { ...env, ...extraEnv }, cwd: work, timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function lastJson(stdout: string): any {
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  assert.ok(line, `no JSON in output:\n${stdout}`);
  return JSON.parse(line);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("kernel lifecycle with jupyter_client", () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), "pssr-kernel-life-"));
    env = isolatedJupyter(work, join(work, "prefix"), KERNEL);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("requests sent together (Run All): busy/idle per request in arrival order, exactly as ipykernel", () => {
    const reference = runRef(["order", "python3", "python"]);
    assert.equal(reference.status, 0, reference.stderr);
    const ours = runRef(["order", KERNEL, "typescript"]);
    assert.equal(ours.status, 0, ours.stderr);
    const refSeq: string[] = lastJson(reference.stdout).sequence;
    const seq: string[] = lastJson(ours.stdout).sequence;
    assert.deepEqual(seq, refSeq, `ours:      ${seq.join(" ")}\nipykernel: ${refSeq.join(" ")}`);
    // What the reference shows, spelled out: pairs never overlap, so no idle while a cell runs or waits.
    let open: string | null = null;
    for (const e of seq) {
      const [kind, label] = e.split(":");
      if (kind === "busy") {
        assert.equal(open, null, `busy:${label} inside ${open}'s pair: ${seq.join(" ")}`);
        open = label;
      } else {
        assert.equal(label, open, `${e} outside its pair: ${seq.join(" ")}`);
        if (kind === "idle") open = null;
      }
    }
    assert.deepEqual(
      seq.filter((e) => e.startsWith("busy:")).map((e) => e.slice(5)),
      ["e0", "e1", "e2", "e3", "comm", "info"],
    );
  });

  test("interrupt: code spinning after an await stops, the kernel answers, leftovers of an interrupted cell stop", () => {
    const r = runRef(["interrupt", KERNEL], { PSSR_KERNEL_INTERRUPT_GRACE_MS: "500" });
    const ok = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("ok "))
      .map((l) => l.split(" ")[1]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(ok, ["sync_after_await", "leftovers_cooperative", "leftovers_abandoned", "cooperative_finally"], r.stdout);
  });

  for (const [name, code, nodeOptions] of [
    ["process.abort()", "await kernel.sleep(10);\nprocess.abort();", ""],
    ["exhausted heap (--max-old-space-size=96)", "const hog: number[][] = [];\nwhile (true) hog.push(new Array(1e6).fill(1));", "--max-old-space-size=96"],
    ["process.exit() after an await", "await kernel.sleep(10);\nprocess.exit(3);", ""],
  ] as const) {
    test(`a crash is seen by jupyter_client's restarter, which restarts the kernel: ${name}`, () => {
      const r = runRef(["crash", KERNEL, code, nodeOptions]);
      assert.equal(r.status, 0, r.stderr);
      const res = lastJson(r.stdout);
      assert.equal(res.events[0]?.[0], "restart", JSON.stringify(res));
      assert.ok(res.events[0][1] < 20, `restart after ${res.events[0][1]} s`);
      assert.equal(res.answers_after_restart, true, JSON.stringify(res));
    });
  }

  test("the Jupyter process dies while a cell spins: the kernel does not stay behind", async () => {
    const child = spawn(python, [SCRIPT, "parent", KERNEL], { env, cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (err += String(d)));
    const deadline = Date.now() + 120_000;
    while (!out.includes("kernel_pid") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    assert.ok(out.includes("kernel_pid"), `no kernel pid: ${out}\n${err}`);
    const pid = Number(lastJson(out).kernel_pid);
    child.kill("SIGKILL");
    const t0 = Date.now();
    while (alive(pid) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 250));
    const stillAlive = alive(pid);
    if (stillAlive) process.kill(pid, "SIGKILL");
    assert.equal(stillAlive, false, "kernel still running 30 s after its parent died");
  });

  test("a comm handler that never settles holds later cells back only until the limit", () => {
    const r = runRef(["stuck-comm", KERNEL], { PSSR_KERNEL_OUT_OF_TURN_LIMIT_MS: "1500" });
    assert.equal(r.status, 0, r.stderr);
    const res = lastJson(r.stdout);
    assert.equal(res.status, "ok", JSON.stringify(res));
    assert.ok(res.seconds >= 1.4 && res.seconds < 20, JSON.stringify(res));
    assert.equal(res.comm_idle, true, JSON.stringify(res));
  });

  test("debug_request gets a Debug Adapter Protocol error response; kernel_info says debugger false", () => {
    const r = runRef(["debug", KERNEL]);
    assert.equal(r.status, 0, r.stderr);
    const res = lastJson(r.stdout);
    assert.equal(res.msg_type, "debug_reply");
    assert.equal(res.content.type, "response");
    assert.equal(res.content.success, false);
    assert.equal(res.content.request_seq, 7);
    assert.equal(res.content.command, "debugInfo");
    assert.equal(res.kernel_info_debugger, false);
  });
});
