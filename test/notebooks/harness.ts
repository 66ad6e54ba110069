// Running the project's notebooks the way CI and users do: Debian's jupyter-nbconvert executes
// them headless with the pssr-lab kernel installed into a temporary Jupyter prefix, inside a
// temporary "user project" whose node_modules/pssr-lab is this checkout (what `npm install
// pssr-lab` gives a user). Executed copies go to a temporary folder, never over the committed
// notebooks.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isolatedJupyter, repoRoot } from "../helpers.js";

export const NBCONVERT = "/usr/bin/jupyter-nbconvert";
export const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
export const WIDGET_STATE = "application/vnd.jupyter.widget-state+json";

export interface Workspace {
  root: string;
  /** The folder notebooks run in (a copy of notebooks/, with node_modules/pssr-lab). */
  project: string;
  /** Where executed copies are written. */
  executed: string;
  /** PSSR_NOTEBOOK_OUT of the runs (models, recipes). */
  runs: string;
  kernel: string;
  env: NodeJS.ProcessEnv;
  dispose(): void;
}

/** Installs the kernel into a temporary prefix and lays out a project with the notebooks. */
export function createWorkspace(prefix: string, kernelName: string): Workspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const jprefix = join(root, "prefix");
  const env = isolatedJupyter(root, jprefix, kernelName, { PSSR_QUICK: "1", PSSR_NOTEBOOK_OUT: join(root, "runs") });
  const project = join(root, "project");
  cpSync(join(repoRoot, "notebooks"), project, { recursive: true, filter: (src) => !/(^|\/)(runs|\.ipynb_checkpoints|node_modules)$/.test(src) });
  mkdirSync(join(project, "node_modules"), { recursive: true });
  symlinkSync(process.env.PSSR_NOTEBOOK_TEST_PACKAGE ?? repoRoot, join(project, "node_modules", "pssr-lab"), "dir");
  const executed = join(root, "executed");
  mkdirSync(executed);
  return { root, project, executed, runs: join(root, "runs"), kernel: kernelName, env, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Execution {
  status: number | null;
  stderr: string;
  seconds: number;
  notebook: Notebook | null;
}

/** Executes `relPath` (relative to the project) with nbconvert; the executed copy lands in ws.executed. */
export function execute(ws: Workspace, relPath: string, options: { allowErrors?: boolean; cellTimeoutS?: number; killAfterS?: number } = {}): Execution {
  const outName = relPath.replace(/[\\/]/g, "__");
  const args = [
    "--execute",
    "--to",
    "notebook",
    `--ExecutePreprocessor.kernel_name=${ws.kernel}`,
    `--ExecutePreprocessor.timeout=${options.cellTimeoutS ?? 600}`,
    "--output-dir",
    ws.executed,
    "--output",
    outName,
  ];
  if (options.allowErrors) args.push("--allow-errors");
  args.push(relPath);
  const t0 = performance.now();
  const r = spawnSync(NBCONVERT, args, { cwd: ws.project, env: ws.env, encoding: "utf8", timeout: (options.killAfterS ?? 600) * 1000, maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  let notebook: Notebook | null = null;
  try {
    notebook = JSON.parse(readFileSync(join(ws.executed, outName), "utf8"));
  } catch {
    notebook = null;
  }
  return { status: r.status, stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}`, seconds, notebook };
}

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] } & Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, any>;
}

/** nbformat may store multi-line strings as lists of lines. */
export const text = (v: unknown): string => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : "");

export function outputsOf(nb: Notebook): Output[] {
  return nb.cells.flatMap((c) => c.outputs ?? []);
}

/** Everything printed to stdout/stderr, in order. */
export function printed(nb: Notebook): string {
  return outputsOf(nb)
    .filter((o) => o.output_type === "stream")
    .map((o) => text(o.text))
    .join("");
}

/** All outputs carrying `mime`. */
export function withMime(nb: Notebook, mime: string): Output[] {
  return outputsOf(nb).filter((o) => o.data && mime in o.data);
}

export function errorsOf(nb: Notebook): { cell: number; ename: string; evalue: string }[] {
  const out: { cell: number; ename: string; evalue: string }[] = [];
  nb.cells.forEach((c, i) => {
    for (const o of c.outputs ?? []) if (o.output_type === "error") out.push({ cell: i, ename: o.ename ?? "", evalue: o.evalue ?? "" });
  });
  return out;
}

/**
 * The widgets the notebook displayed, with the state nbclient saved for them at the end of the
 * run (it follows every comm message, so this is the kernel-side state as the front end knew it).
 */
export function displayedWidgets(nb: Notebook): { modelName: string; state: Record<string, any> }[] {
  const saved = nb.metadata.widgets?.[WIDGET_STATE]?.state ?? {};
  return withMime(nb, WIDGET_VIEW).map((o) => {
    const id = (o.data![WIDGET_VIEW] as { model_id: string }).model_id;
    const entry = saved[id];
    return { modelName: entry?.model_name ?? "(no saved state)", state: entry?.state ?? {} };
  });
}

export function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) out[key(it)] = (out[key(it)] ?? 0) + 1;
  return out;
}

/** A readable summary of a failed run: stderr's tail and every error output. */
export function failure(name: string, ex: Execution): string {
  const errs = ex.notebook ? errorsOf(ex.notebook).map((e) => `cell ${e.cell}: ${e.ename}: ${e.evalue}`) : [];
  return `${name} (exit ${ex.status}, ${ex.seconds.toFixed(0)} s)\n${errs.join("\n")}\n${ex.stderr.slice(-3000)}`;
}
