// Installs the kernelspec without Python, where `jupyter kernelspec install` would put it:
// user: $JUPYTER_DATA_DIR or the platform's user data dir (~/.local/share/jupyter on Linux),
// prefix: DIR/share/jupyter; then kernels/<name>/ holds kernel.json (absolute argv) and logos.
// The widgets' prebuilt JupyterLab extension (widgets/labextension/, when built) is copied to
// <data dir>/labextensions/<its package name>/.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PssrError } from "../errors.js";
import { replaceDirectory, temporaryDirFor } from "../io/atomic.js";

export interface InstallLocation {
  /** Install under DIR/share/jupyter (like `jupyter kernelspec install --prefix DIR`). */
  prefix?: string;
  /** Install for the user (the default). */
  user?: boolean;
  /** Kernelspec name; default pssr-ts. */
  name?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package root (holds package.json, kernel-setup/, dist/). */
export const packageRoot = resolve(here, "..", "..", "..");

/** The user's Jupyter data dir, as jupyter_core.paths.jupyter_data_dir() computes it. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return resolve(env.JUPYTER_DATA_DIR);
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "jupyter");
  return join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

export function dataDir(where: InstallLocation): string {
  return where.prefix ? join(resolve(where.prefix), "share", "jupyter") : userDataDir();
}

export function kernelDir(where: InstallLocation): string {
  const name = where.name ?? "pssr-ts";
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new PssrError("invalid-argument", `kernel name "${name}" may only hold letters, digits, ".", "_" and "-"`);
  }
  return join(dataDir(where), "kernels", name.toLowerCase());
}

function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version as string;
}

/** kernel.json for this installation: the template with absolute paths filled in. */
export function kernelJson(displayName?: string): Record<string, unknown> {
  const template = readFileSync(join(packageRoot, "kernel-setup", "kernel.json"), "utf8");
  const cli = join(packageRoot, "dist", "src", "cli", "main.js");
  const spec = JSON.parse(template) as Record<string, any>;
  spec.argv = (spec.argv as string[]).map((a) => a.replace("{node}", process.execPath).replace("{cli}", cli));
  spec.metadata.pssr_lab.version = packageVersion();
  if (displayName) spec.display_name = displayName;
  return spec;
}

export interface InstallResult {
  kernelDir: string;
  labextensionDir: string | null;
}

/** Writes the kernelspec (to a temporary folder first, then renamed into place). */
export function installKernelspec(where: InstallLocation & { displayName?: string }): InstallResult {
  const dir = kernelDir(where);
  const tmp = temporaryDirFor(dir);
  writeFileSync(join(tmp, "kernel.json"), JSON.stringify(kernelJson(where.displayName), null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo.svg"]) {
    const src = join(packageRoot, "kernel-setup", logo);
    if (existsSync(src)) cpSync(src, join(tmp, logo));
  }
  replaceDirectory(tmp, dir);
  return { kernelDir: dir, labextensionDir: installLabextension(where) };
}

/**
 * Copies widgets/labextension/ (if built; $PSSR_LABEXTENSION_DIR overrides the source) to
 * <data dir>/labextensions/<package name>/, where JupyterLab looks for prebuilt extensions.
 */
export function installLabextension(where: InstallLocation): string | null {
  const src = process.env.PSSR_LABEXTENSION_DIR ? resolve(process.env.PSSR_LABEXTENSION_DIR) : join(packageRoot, "widgets", "labextension");
  const pkgFile = join(src, "package.json");
  if (!existsSync(pkgFile)) return null;
  const name = JSON.parse(readFileSync(pkgFile, "utf8")).name as string;
  if (typeof name !== "string" || name === "") {
    throw new PssrError("corrupt-file", "the labextension's package.json has no name", { file: pkgFile });
  }
  const dest = join(dataDir(where), "labextensions", ...name.split("/"));
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(src, dest, { recursive: true });
  return dest;
}

/** Removes the kernelspec; returns the removed folder or null when there was none. */
export function uninstallKernelspec(where: InstallLocation): string | null {
  const dir = kernelDir(where);
  if (!existsSync(dir)) return null;
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** Verifies an installation: kernel.json parses, its paths exist, and the kernel answers kernel_info. */
export async function checkKernelspec(where: InstallLocation): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  const dir = kernelDir(where);
  const file = join(dir, "kernel.json");
  let spec: Record<string, any>;
  try {
    spec = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    return { ok: false, lines: [`FAIL ${file}: ${(e as Error).message}`] };
  }
  let ok = true;
  const argv = spec.argv;
  if (!Array.isArray(argv) || argv.length < 2 || !argv.every((a) => typeof a === "string")) {
    return { ok: false, lines: [`FAIL ${file}: argv must be a list of strings`] };
  }
  lines.push(`ok   ${file} is valid JSON (display_name "${spec.display_name}", language ${spec.language})`);
  if (!argv.some((a: string) => a.includes("{connection_file}"))) {
    ok = false;
    lines.push("FAIL argv does not pass {connection_file}");
  }
  for (const path of argv.slice(0, 2)) {
    if (existsSync(path)) lines.push(`ok   ${path} exists`);
    else {
      ok = false;
      lines.push(`FAIL ${path} does not exist (reinstall with pssr kernel install)`);
    }
  }
  if (spec.interrupt_mode !== "message") lines.push(`warn interrupt_mode is ${JSON.stringify(spec.interrupt_mode)}, expected "message"`);
  if (!ok) return { ok, lines };
  const { KernelClient } = await import("./client.js");
  let client: InstanceType<typeof KernelClient> | null = null;
  try {
    client = await KernelClient.launch(argv, { timeoutMs: 60000 });
    const info = await client.request("kernel_info_request", {});
    const c = info.reply.content;
    lines.push(`ok   the kernel started and answered kernel_info (${c.implementation} ${c.implementation_version}, protocol ${c.protocol_version}, ${c.language_info?.name})`);
    const hb = await client.heartbeat();
    lines.push(`ok   heartbeat answered in ${hb.toFixed(1)} ms`);
  } catch (e) {
    ok = false;
    lines.push(`FAIL the kernel did not answer: ${(e as Error).message}`);
  } finally {
    await client?.shutdown();
  }
  return { ok, lines };
}
