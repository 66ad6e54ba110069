// Where the installed package's own files are (sample data, kernel-setup, widgets), found from
// this module's location so it works from src/ (tsx) and dist/src/ (built) alike.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | null = null;

/** The folder holding pssr-lab's package.json. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && existsSync(join(dir, "data-samples"))) return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error("pssr-lab's package root (package.json beside data-samples/) was not found");
    dir = up;
  }
}

/** A path inside the bundled sample data. */
export function samplePath(...parts: string[]): string {
  return join(packageRoot(), "data-samples", ...parts);
}
