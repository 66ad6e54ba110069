// Choosing and starting a tfjs backend.
//
// Default order: tfjs-node-gpu, tfjs-node (native libtensorflow; optional dependencies that
// usually are not installed, because their install downloads libtensorflow), wasm (shipped
// inside npm: the embedded default), cpu (pure JS, slow, always there). webgpu (Dawn through
// the `webgpu` package) is never chosen by default, only when asked for. PSSR_BACKEND or an
// explicit name forces one; a forced backend that cannot start is a PssrError
// ("backend-unavailable") that says why.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PssrError, unknownName } from "../errors.js";
import { bundledTf, setTf, type Tf } from "./tf.js";
import { registerMissingGradients } from "./gradients.js";
import { installBackendKernels, wasmConvStatus } from "./kernel-table.js";
import { setConvThreads } from "./conv-wasm.js";
import { setThreadCount, threadCount, type ThreadCount } from "./threads.js";

export const BACKEND_NAMES = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu", "webgpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const DEFAULT_ORDER: readonly BackendName[] = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"];

export interface SelectedBackend {
  /** Our name for it (one of BACKEND_NAMES). */
  name: BackendName;
  /** The tfjs namespace to compute with (tfjs-node's own when that backend is chosen). */
  tf: Tf;
  /** Why each backend that was not chosen was not (only those tried or skipped). */
  reasons: Partial<Record<BackendName, string>>;
  /** Backend facts: wasm SIMD/threads, tfjs backend name, package version... */
  details: Record<string, string | number | boolean>;
}

interface Started {
  tf: Tf;
  tfName: string;
  details: Record<string, string | number | boolean>;
}

type Attempt = { ok: true; started: Started } | { ok: false; why: string };

const require = createRequire(import.meta.url);
const attempts = new Map<BackendName, Promise<Attempt>>();
let selected: SelectedBackend | null = null;
let quietDone = false;

/** tfjs-core prints a "use tfjs-node" banner and kernel re-registration notes through log.warn. */
function quiet(tf: Tf): void {
  if (quietDone) return;
  quietDone = true;
  tf.env().set("PROD", true);
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0];
}

function isMissingPackage(e: unknown, pkg: string): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && String((e as Error).message).includes(pkg);
}

async function importOptional(pkg: string): Promise<{ mod?: unknown; why?: string }> {
  try {
    return { mod: await import(pkg) };
  } catch (e) {
    if (isMissingPackage(e, pkg)) {
      return { why: `package ${pkg} is not installed (an optional dependency: its install downloads libtensorflow, which needs internet access)` };
    }
    return { why: `${pkg} is installed but failed to load: ${firstLine(e)}` };
  }
}

/**
 * Why an installed tfjs-node(-gpu) has no native binding (lib/napi-v<N>/tfjs_binding.node, put there
 * by its install script), or null. Checked before importing: a package installed with scripts off
 * would otherwise load tfjs, register every kernel a second time (about 150 warnings), then fail.
 */
export function missingNativeBinding(pkg: string, resolveFrom: string = import.meta.url): string | null {
  let dir: string;
  try {
    dir = dirname(createRequire(resolveFrom).resolve(`${pkg}/package.json`));
  } catch {
    return null; // not installed: importOptional says so
  }
  const lib = join(dir, "lib");
  const found = existsSync(lib) && readdirSync(lib).some((d) => d.startsWith("napi-v") && existsSync(join(lib, d, "tfjs_binding.node")));
  return found ? null : `${pkg} is installed without its native binding (its install script, which downloads libtensorflow, did not run or failed; \`npm rebuild ${pkg}\` with internet access fixes it)`;
}

async function startNode(pkg: "@tensorflow/tfjs-node" | "@tensorflow/tfjs-node-gpu"): Promise<Attempt> {
  const other = pkg === "@tensorflow/tfjs-node" ? "tfjs-node-gpu" : "tfjs-node";
  const otherAttempt = attempts.get(other);
  if (otherAttempt && (await otherAttempt).ok) return { ok: false, why: `${other} is already loaded in this process (both register the "tensorflow" backend)` };
  const broken = missingNativeBinding(pkg);
  if (broken) return { ok: false, why: broken };
  const { mod, why } = await importOptional(pkg);
  if (!mod) return { ok: false, why: why! };
  // The package re-exports all of tfjs, from whichever tfjs-core copy it depends on.
  const ns = ((mod as { default?: Tf }).default?.setBackend ? (mod as { default: Tf }).default : (mod as Tf)) as Tf;
  try {
    const ok = await ns.setBackend("tensorflow");
    if (!ok) return { ok: false, why: `${pkg} loaded but its "tensorflow" backend did not initialise` };
  } catch (e) {
    return { ok: false, why: `${pkg} loaded but its backend failed to start: ${firstLine(e)}` };
  }
  const details: Record<string, string | number | boolean> = { tfjsBackend: "tensorflow", tfjsCore: ns.version_core };
  if (ns.version_core !== bundledTf.version_core) details.note = `uses its own tfjs-core ${ns.version_core}`;
  if (pkg === "@tensorflow/tfjs-node-gpu") {
    const b = ns.backend() as unknown as { isUsingGpuDevice?: () => boolean };
    if (typeof b.isUsingGpuDevice === "function" && !b.isUsingGpuDevice()) {
      return { ok: false, why: "tfjs-node-gpu loaded but libtensorflow found no usable CUDA GPU (it would run on the CPU)" };
    }
  }
  registerMissingGradients(ns);
  return { ok: true, started: { tf: ns, tfName: "tensorflow", details } };
}

/** The folder holding tfjs-backend-wasm's .wasm binaries. */
export function wasmBinaryDir(): string {
  return join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + "/";
}

async function startWasm(): Promise<Attempt> {
  const tf = bundledTf;
  try {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const dir = wasmBinaryDir();
    for (const f of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm"]) {
      if (!existsSync(join(dir, f))) return { ok: false, why: `${join(dir, f)} is missing (reinstall @tensorflow/tfjs-backend-wasm)` };
    }
    wasm.setWasmPaths(dir);
    quiet(tf);
    const ok = await tf.setBackend("wasm");
    if (!ok) return { ok: false, why: "the WebAssembly module did not initialise" };
    const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    const threads = Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
    installBackendKernels(tf, "wasm");
    registerMissingGradients(tf);
    const conv = wasmConvStatus();
    const convolutions = conv === "on" ? "pssr-lab SIMD GEMM (native/conv.c)" : `tfjs XNNPACK; ours ${conv}`;
    return { ok: true, started: { tf, tfName: "wasm", details: { tfjsBackend: "wasm", simd, threads, convolutions, wasmDir: dir, tfjsCore: tf.version_core } } };
  } catch (e) {
    return { ok: false, why: `the WebAssembly backend failed to start: ${firstLine(e)}` };
  }
}

async function startCpu(): Promise<Attempt> {
  const tf = bundledTf;
  try {
    await import("@tensorflow/tfjs-backend-cpu");
    quiet(tf);
    const ok = await tf.setBackend("cpu");
    if (!ok) return { ok: false, why: "the cpu backend did not initialise" };
    installBackendKernels(tf, "cpu");
    registerMissingGradients(tf);
    return { ok: true, started: { tf, tfName: "cpu", details: { tfjsBackend: "cpu", tfjsCore: tf.version_core } } };
  } catch (e) {
    return { ok: false, why: `the cpu backend failed to start: ${firstLine(e)}` };
  }
}

function findVulkanLoader(): string | null {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean),
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
  ];
  for (const d of dirs) if (existsSync(join(d, "libvulkan.so.1"))) return join(d, "libvulkan.so.1");
  return null;
}

async function startWebgpu(): Promise<Attempt> {
  const tf = bundledTf;
  if (process.platform === "linux" && !findVulkanLoader()) {
    return { ok: false, why: "no Vulkan loader (libvulkan.so.1) on this machine: Dawn (the webgpu package) needs Vulkan and a real GPU driver" };
  }
  const { mod, why } = await importOptional("webgpu");
  if (!mod) return { ok: false, why: why!.replace("libtensorflow, which needs internet access", "the Dawn binary") };
  try {
    const { create, globals } = mod as { create: (opts: string[]) => { requestAdapter(o?: object): Promise<unknown> }; globals: object };
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const adapter = (await gpu.requestAdapter({ powerPreference: "high-performance" })) as { isFallbackAdapter?: boolean } | null;
    if (!adapter) return { ok: false, why: "Dawn found no WebGPU adapter: no usable Vulkan GPU driver (software Vulkan such as lavapipe is refused)" };
    if (adapter.isFallbackAdapter) return { ok: false, why: "Dawn offers only a software (fallback) adapter, no real GPU" };
    const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
    if (!g.navigator) Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
    else if (!g.navigator.gpu) Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
    await import("@tensorflow/tfjs-backend-webgpu");
    quiet(tf);
    const ok = await tf.setBackend("webgpu");
    if (!ok) return { ok: false, why: "the tfjs webgpu backend did not initialise on the Dawn adapter" };
    registerMissingGradients(tf);
    return { ok: true, started: { tf, tfName: "webgpu", details: { tfjsBackend: "webgpu", tfjsCore: tf.version_core } } };
  } catch (e) {
    return { ok: false, why: `webgpu failed to start: ${firstLine(e)}` };
  }
}

function attempt(name: BackendName): Promise<Attempt> {
  let p = attempts.get(name);
  if (!p) {
    switch (name) {
      case "tfjs-node-gpu":
        p = startNode("@tensorflow/tfjs-node-gpu");
        break;
      case "tfjs-node":
        p = startNode("@tensorflow/tfjs-node");
        break;
      case "wasm":
        p = startWasm();
        break;
      case "cpu":
        p = startCpu();
        break;
      case "webgpu":
        p = startWebgpu();
        break;
    }
    attempts.set(name, p);
  }
  return p;
}

/** Parses a backend name (accepts "node" for tfjs-node, "node-gpu"/"gpu" for tfjs-node-gpu). */
export function parseBackendName(name: string): BackendName {
  const n = name.trim().toLowerCase();
  const alias: Record<string, BackendName> = { node: "tfjs-node", tensorflow: "tfjs-node", "node-gpu": "tfjs-node-gpu", gpu: "tfjs-node-gpu" };
  if ((BACKEND_NAMES as readonly string[]).includes(n)) return n as BackendName;
  if (alias[n]) return alias[n];
  throw unknownName("backend", name, BACKEND_NAMES);
}

async function activate(name: BackendName, a: Attempt & { ok: true }, reasons: SelectedBackend["reasons"]): Promise<SelectedBackend> {
  const { tf, tfName, details } = a.started;
  if (tf.getBackend() !== tfName) await tf.setBackend(tfName);
  if (name === "wasm") await startThreads(details);
  setTf(tf);
  selected = { name, tf, reasons, details };
  return selected;
}

/** Starts (or resizes) the wasm convolution thread pool to threadCount(); records it in `details`. */
async function startThreads(details: Record<string, string | number | boolean>): Promise<ThreadCount> {
  const t = threadCount();
  let used: number;
  let why = t.why;
  try {
    used = await setConvThreads(t.count);
    if (used !== t.count) why += "; 1 used: our convolution module is not loaded";
  } catch (e) {
    // Computing on one thread beats not computing: say why, do not fail.
    used = await setConvThreads(1);
    why += `; 1 used: the thread pool did not start (${firstLine(e)})`;
  }
  details.computeThreads = used;
  details.computeThreadsWhy = why;
  return { count: used, why: details.computeThreadsWhy };
}

/**
 * Sets the number of compute threads for this process (`null`: back to PSSR_THREADS or the
 * cores this process may use) and, if the wasm backend runs, resizes its pool now. Only our
 * convolutions (most of a training step) run on several threads; other backends have their own.
 */
export async function setThreads(n: number | null): Promise<ThreadCount> {
  setThreadCount(n, "setThreads");
  if (selected?.name === "wasm") return startThreads(selected.details);
  return threadCount();
}

/**
 * Starts a backend and makes it the one `getTf()` computes with.
 *
 * `name` (or else $PSSR_BACKEND) forces one; otherwise the first of DEFAULT_ORDER that starts.
 * Calling again with the same (or no) name returns the current choice.
 */
export async function selectBackend(options: { name?: string | null } = {}): Promise<SelectedBackend> {
  const forced = options.name ?? (process.env.PSSR_BACKEND ? process.env.PSSR_BACKEND : null);
  if (forced) {
    const name = parseBackendName(forced);
    if (selected?.name === name) return selected;
    const a = await attempt(name);
    if (!a.ok) {
      const source = options.name ? "" : " (from PSSR_BACKEND)";
      throw new PssrError("backend-unavailable", `backend ${name}${source} cannot start: ${a.why}`);
    }
    return activate(name, a, {});
  }
  if (selected) return selected;
  const reasons: SelectedBackend["reasons"] = {};
  for (const name of DEFAULT_ORDER) {
    const a = await attempt(name);
    if (a.ok) {
      for (const later of BACKEND_NAMES) {
        if (later !== name && !(later in reasons)) {
          reasons[later] = later === "webgpu" ? "only used when asked for (--backend webgpu)" : `${name} comes first in the default order`;
        }
      }
      return activate(name, a, reasons);
    }
    reasons[name] = a.why;
  }
  throw new PssrError("backend-unavailable", `no backend could start: ${DEFAULT_ORDER.map((n) => `${n}: ${reasons[n]}`).join("; ")}`);
}

/** The backend selected so far, or null. */
export function currentBackend(): SelectedBackend | null {
  return selected;
}

export interface BackendReport {
  name: BackendName;
  available: boolean;
  chosen: boolean;
  /** Why it is unavailable, or why an available one is not chosen; empty for the chosen one. */
  why: string;
  details: Record<string, string | number | boolean>;
}

/**
 * Tries every backend and reports which start, which one selectBackend picks (honouring
 * `name` / $PSSR_BACKEND) and why each other one is not picked. Leaves the chosen one active.
 */
export async function describeBackends(options: { name?: string | null } = {}): Promise<{ chosen: BackendName | null; error?: string; backends: BackendReport[] }> {
  const forced = options.name ?? (process.env.PSSR_BACKEND || null);
  if (forced) parseBackendName(forced); // an unknown name is an error, not a report
  threadCount(); // so is a bad PSSR_THREADS
  const results = new Map<BackendName, Attempt>();
  for (const name of BACKEND_NAMES) results.set(name, await attempt(name));
  let chosen: BackendName | null = null;
  let error: string | undefined;
  try {
    chosen = (await selectBackend(options)).name;
  } catch (e) {
    if (!(e instanceof PssrError)) throw e;
    error = e.message;
  }
  const backends = BACKEND_NAMES.map((name): BackendReport => {
    const a = results.get(name)!;
    let why = "";
    if (!a.ok) why = a.why;
    else if (name !== chosen) {
      if (forced) why = `available, but ${chosen ?? parseBackendName(forced)} was asked for`;
      else if (name === "webgpu") why = "available; only used when asked for (--backend webgpu)";
      else why = `available, but ${chosen} comes first in the default order`;
    }
    return { name, available: a.ok, chosen: name === chosen, why, details: a.ok ? a.started.details : {} };
  });
  return { chosen, error, backends };
}
