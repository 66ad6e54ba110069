// Shared test plumbing: where the repo, the shared data and the Python references are.
import { mulberry32 } from "../src/metrics/frc.js";
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plane } from "../src/image/image.js";

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("repo root (package.json) not found");
    dir = up;
  }
  return dir;
}

export const repoRoot = findRepoRoot();
export const samplesDir = join(repoRoot, "data-samples");

/** ../shared/data beside the checkout (or $PSSR_SHARED_DATA). Tests need it: CI has it. */
export const sharedDataDir = resolve(process.env.PSSR_SHARED_DATA ?? join(repoRoot, "..", "shared", "data"));

/**
 * `npm run test:unit` sets PSSR_TEST_TIER=unit: the helpers that start Python, Jupyter, Chromium
 * or ImageJ refuse, so a unit-tier test cannot use them by accident (test/run.mjs leaves out
 * every test that imports one of them).
 */
const unitTier = process.env.PSSR_TEST_TIER === "unit";
function refuseInUnitTier(what: string): void {
  if (unitTier) throw new Error(`${what} is not available in the unit tier (PSSR_TEST_TIER=unit): this test belongs to the full suite`);
}

/**
 * Debian's python3 (the one with python3-skimage/tifffile/scipy), not a pyenv shim. In the unit
 * tier a path that does not exist, so a spawn fails.
 */
export const python = unitTier ? "/nonexistent/python3-refused-in-the-unit-tier" : existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

/** Marks a test that starts an external tool itself (not through runPython/isolatedJupyter): test:unit leaves it out. */
export function usesTools(...tools: ("imagej" | "chromium" | "jupyter" | "python")[]): void {
  refuseInUnitTier(tools.join(", "));
}

/** Runs a reference script from test/ref with arguments; throws with its stderr on failure. */
export function runPython(script: string, args: string[] = [], input?: string): string {
  refuseInUnitTier(`python (${script})`);
  const r = spawnSync(python, [join(repoRoot, "test", "ref", script), ...args], {
    encoding: "utf8",
    input,
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`python ${script} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Runs the built CLI (dist/src/cli/main.js) and returns its result without throwing. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [join(repoRoot, "dist", "src", "cli", "main.js"), ...args], {
    encoding: "utf8",
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    maxBuffer: 1 << 30,
  });
}

/**
 * An environment whose Jupyter folders (data, runtime, config) live under `dir` and whose
 * JUPYTER_PATH is `prefix`/share/jupyter, with our kernel installed there as `kernelName`:
 * a test never reads or writes the home folder's Jupyter. `extra` is added to the environment.
 */
export function isolatedJupyter(dir: string, prefix: string, kernelName: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  refuseInUnitTier("Jupyter");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: join(prefix, "share", "jupyter"),
    JUPYTER_DATA_DIR: join(dir, "data"),
    JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
    JUPYTER_CONFIG_DIR: join(dir, "config"),
    JUPYTER_PLATFORM_DIRS: "0",
    ...extra,
  };
  mkdirSync(join(dir, "runtime"), { recursive: true });
  const r = runCli(["kernel", "install", "--prefix", prefix, "--name", kernelName], { env });
  if (r.status !== 0) throw new Error(`pssr kernel install failed: ${r.stderr}`);
  return env;
}

/** SIGTERM, then SIGKILL when the process has not exited after `graceMs`; resolves once it is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Every file under `dir` (recursively, skipping node_modules, dist and dot-folders) whose name passes `keep`. */
export function filesUnder(dir: string, keep: (name: string) => boolean = () => true): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".") ? [] : filesUnder(p, keep);
    return keep(e.name) ? [p] : [];
  });
}

/** The tests' one seeded uniform [0, 1) stream (mulberry32): inputs that differ by seed, never by run. */
export function seededUniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/**
 * `n` seeded samples times `scale` plus `offset`: "uniform" in [0, 1); "normal" standard normal
 * (Box-Muller); "sum4" the sum of four uniforms scaled to unit variance, bounded at ±2√3 (no
 * outliers, for tolerances on products such as gradients).
 */
export function randomValues(n: number, seed: number, distribution: "uniform" | "normal" | "sum4" = "uniform", scale = 1, offset = 0): Float32Array {
  const u = seededUniform(seed);
  const out = new Float32Array(n);
  if (distribution === "normal") {
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - u()));
      const t = 2 * Math.PI * u();
      out[i] = offset + scale * r * Math.cos(t);
      if (i + 1 < n) out[i + 1] = offset + scale * r * Math.sin(t);
    }
  } else if (distribution === "sum4") {
    for (let i = 0; i < n; i++) out[i] = offset + (u() + u() + u() + u() - 2) * Math.sqrt(3) * scale;
  } else {
    for (let i = 0; i < n; i++) out[i] = offset + scale * u();
  }
  return out;
}

/** The tests' one random plane: `randomValues` laid out as a height x width Plane. */
export function randomPlane(height: number, width: number, seed: number, distribution: "uniform" | "normal" | "sum4" = "uniform", scale = 1, offset = 0): Plane {
  return { data: randomValues(height * width, seed, distribution, scale, offset), height, width };
}

/** A free TCP port on 127.0.0.1 (the OS picks it; free when returned). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface JupyterServer {
  server: ChildProcess;
  baseUrl: string;
  token: string;
  /** The tail of the server's stderr. */
  log(): string;
}

/**
 * Starts a Jupyter server: `python ARGS --ip=127.0.0.1 --port=P --no-browser --allow-root
 * --ServerApp.token=T` (ARGS: `-m jupyter_server ...` or a server script), and waits until its
 * /api/status answers. One that exits or is not up within 60 s is killed; the error holds its stderr.
 */
export async function startJupyterServer(args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; what: string }): Promise<JupyterServer> {
  const token = randomBytes(16).toString("hex");
  const port = await freePort();
  const server = spawn(python, [...args, "--ip=127.0.0.1", `--port=${port}`, "--no-browser", "--allow-root", `--ServerApp.token=${token}`], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  server.stderr!.on("data", (d) => (log = (log + d).slice(-20000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${baseUrl}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill("SIGKILL");
      throw new Error(`${options.what} did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { server, baseUrl, token, log: () => log };
}
