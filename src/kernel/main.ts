// Starting the kernel: read the connection file, build the cell prelude (the `kernel`,
// `display`, `clearOutput`, `input` and `prompt` names every cell sees) and serve until
// shutdown_request.
import { fileURLToPath } from "node:url";
import * as api from "./api.js";
import { InterruptError } from "./executor.js";
import { KernelServer, logKernel } from "./server.js";
import { tslabModule } from "./tslab-compat.js";
import { readConnectionFile } from "./wire.js";

/** TypeScript declarations of the prelude names, typed from this package's own api.d.ts. */
export function preludeDeclarations(): string {
  const apiPath = fileURLToPath(new URL("./api.js", import.meta.url)).replace(/\\/g, "/");
  const api = `typeof import(${JSON.stringify(apiPath)})`;
  return [
    `declare const kernel: ${api};`,
    `declare const display: ${api}["display"];`,
    `declare const clearOutput: ${api}["clearOutput"];`,
    `declare const input: ${api}["input"];`,
    `declare const prompt: ${api}["prompt"];`,
    "",
  ].join("\n");
}

export interface StartOptions {
  /** Folder cells resolve imports from; default the current directory (Jupyter sets it to the notebook's). */
  rootDir?: string;
}

/** Runs a kernel for `connectionFile` until it is shut down; resolves true when a restart was asked for. */
export async function startKernel(connectionFile: string, options: StartOptions = {}): Promise<boolean> {
  const connection = readConnectionFile(connectionFile);
  const server = new KernelServer({
    connection,
    rootDir: options.rootDir,
    prelude: {
      declarations: preludeDeclarations(),
      values: { kernel: api, display: api.display, clearOutput: api.clearOutput, input: api.input, prompt: api.prompt },
    },
    modules: { tslab: tslabModule() },
  });
  // An interrupted cell's leftovers end with KeyboardInterrupt (see interrupt.ts): expected, not reported.
  // Reporting goes to the cell's output, which an interrupted cell's context refuses: never throw from here.
  process.on("uncaughtException", (e) => {
    if (e instanceof InterruptError) return;
    logKernel(`uncaught exception: ${e.stack ?? e}`);
    try {
      console.error(e);
    } catch {
      // the output of an interrupted cell
    }
  });
  process.on("unhandledRejection", (e) => {
    if (e instanceof InterruptError) return;
    logKernel(`unhandled rejection: ${(e as Error)?.stack ?? e}`);
    try {
      console.error("Unhandled promise rejection:", e);
    } catch {
      // the output of an interrupted cell
    }
  });
  await server.start();
  watchParent(server);
  return server.finished;
}

/**
 * Exits with the Jupyter process that started us (jupyter_client passes its pid in
 * JPY_PARENT_PID), as ipykernel's parent poller does, so that no kernel is left orphaned.
 */
function watchParent(server: KernelServer): void {
  const ppid = Number(process.env.JPY_PARENT_PID);
  if (!Number.isInteger(ppid) || ppid <= 1) return;
  const timer = setInterval(() => {
    try {
      process.kill(ppid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") {
        logKernel(`parent process ${ppid} is gone; shutting down`);
        clearInterval(timer);
        void server.stop().then(() => process.exit(0));
      }
    }
  }, 3000);
  timer.unref();
}
