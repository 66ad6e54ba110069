// Shared test plumbing: where the repo, the shared data and the Python references are.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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

/** Debian's python3 (the one with python3-skimage/tifffile/scipy), not a pyenv shim. */
export const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

/** Runs a reference script from test/ref with arguments; throws with its stderr on failure. */
export function runPython(script: string, args: string[] = [], input?: string): string {
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
