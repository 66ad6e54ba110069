// What notebook cells use to talk to the kernel: display, input, comms, widgets and the
// interrupt signal. Cells see this module as the top-level name `kernel` (plus `display`,
// `clearOutput`, `input` and `prompt`), and may also import it from the package. Every
// function reaches the running kernel through a process-global symbol, so any copy of this
// module (e.g. one from the notebook folder's node_modules) works.
import { PssrError } from "../errors.js";
import type { Comm, CommManager, SendOptions, TargetHandler } from "./comm.js";
import { findKernel, type KernelRuntime } from "./context.js";
import { InterruptError } from "./executor.js";

export {
  display,
  clearOutput,
  html,
  markdown,
  svg,
  latex,
  json,
  png,
  jpeg,
  plotly,
  image,
  toMimeBundle,
  DisplayHandle,
  DISPLAY_SYMBOL,
  type MimeBundle,
  type DisplayOptions,
  type Displayable,
  type ImageDisplayOptions,
} from "./display.js";
export {
  Widget,
  WIDGET_PROTOCOL_VERSION,
  WIDGET_VIEW_MIME,
  type WidgetModelSpec,
  type ChangeHandler,
  type ChangeSource,
  type CustomHandler,
} from "./widget.js";
export { Comm, CommManager, type CommMessage, type SendOptions } from "./comm.js";
export { InterruptError } from "./executor.js";

/** True inside a running pssr kernel. */
export function inKernel(): boolean {
  return findKernel() !== null;
}

function kernel(): KernelRuntime {
  const k = findKernel();
  if (!k) throw new PssrError("invalid-argument", "not running inside the pssr-lab Jupyter kernel");
  return k;
}

/** The kernel's comm manager (open comms, register targets the front end may open). */
export function comms(): CommManager {
  return kernel().comms;
}

/** Opens a comm to a front-end target; `buffers` travel as raw binary frames. */
export function openComm(targetName: string, data: unknown = {}, options: SendOptions = {}): Comm {
  return kernel().comms.open(targetName, data, options);
}

/** Handles comms the front end opens to `targetName`. */
export function registerCommTarget(targetName: string, handler: TargetHandler): void {
  kernel().comms.registerTarget(targetName, handler);
}

/** Asks the user for a line of text (Jupyter stdin input_request); rejects when interrupted. */
export function input(prompt = "", options: { password?: boolean } = {}): Promise<string> {
  return kernel().input(prompt, Boolean(options.password));
}

/** Like the browser's prompt(): a line of text from the user. */
export function prompt(message = ""): Promise<string> {
  return input(message);
}

/**
 * The abort signal of the running cell. An interrupt (the stop button) aborts it; long loops
 * should pass it on (e.g. to a training loop) or check it between steps. Outside a kernel it
 * is a signal that never aborts.
 */
export function signal(): AbortSignal {
  return findKernel()?.currentSignal() ?? new AbortController().signal;
}

/** True once the running cell was interrupted. */
export function interrupted(): boolean {
  return signal().aborted;
}

/** Throws InterruptError when the running cell was interrupted: call it between loop steps. */
export function throwIfInterrupted(): void {
  if (interrupted()) throw new InterruptError();
}

/** Waits `ms` milliseconds (yielding to the kernel); rejects at once on interrupt. */
export function sleep(ms: number): Promise<void> {
  const s = signal();
  if (s.aborted) return Promise.reject(new InterruptError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptError());
    };
    const timer = setTimeout(() => {
      s.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    s.addEventListener("abort", onAbort, { once: true });
  });
}
