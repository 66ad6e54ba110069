// The running kernel as seen from cell code and from libraries loaded by cells. It is kept on
// a process-global symbol rather than in module state because a notebook may load a second
// copy of this package (from its own node_modules); every copy then talks to the one kernel.
import { AsyncLocalStorage } from "node:async_hooks";
import type { BufferLike, MessageHeader } from "./wire.js";
import type { CommManager } from "./comm.js";
import type { CellRun } from "./interrupt.js";

export const KERNEL_SYMBOL: unique symbol = Symbol.for("pssr.kernel") as any;

export interface PublishOptions {
  metadata?: Record<string, unknown>;
  buffers?: readonly BufferLike[];
  /** Defaults to the request being handled (the cell, or the comm message). */
  parent?: Partial<MessageHeader>;
}

/** What a widget exposes to the `jupyter.widget.control` target (request_states). */
export interface WidgetRecord {
  readonly modelId: string;
  readonly modelName: string;
  readonly modelModule: string;
  readonly modelModuleVersion: string;
  /** The full state; binary fields are still typed arrays / DataViews here. */
  fullState(): Record<string, unknown>;
}

export interface KernelRuntime {
  readonly session: string;
  readonly comms: CommManager;
  /** Widgets alive in this kernel by model id (= comm id). */
  readonly widgets: Map<string, WidgetRecord>;
  /** Publishes a message on iopub, parented to the current request unless told otherwise. */
  publish(msgType: string, content: unknown, options?: PublishOptions): void;
  /** Header of the request whose handling is running now (async-context aware). */
  currentParent(): Partial<MessageHeader> | null;
  /** Abort signal of the cell running now; aborted by an interrupt. A never-aborted signal outside cells. */
  currentSignal(): AbortSignal;
  /** Asks the front end for a line of input (stdin input_request) on behalf of the current cell. */
  input(prompt: string, password: boolean): Promise<string>;
}

/** The per-request context carried through async continuations of a cell or a comm handler. */
export interface RequestContext {
  parent: Partial<MessageHeader>;
  /** Shell identities of the request, needed to route stdin input_request to its client. */
  identities: Buffer[];
  signal: AbortSignal;
  allowStdin: boolean;
  /** silent execute: no output on iopub. */
  silent: boolean;
  /** The cell execution this context belongs to (its timers, whether it was interrupted); absent for other requests. */
  run?: CellRun;
}

const STORAGE_SYMBOL = Symbol.for("pssr.kernel.requestStorage");
type G = typeof globalThis & { [STORAGE_SYMBOL]?: AsyncLocalStorage<RequestContext>; [KERNEL_SYMBOL]?: KernelRuntime };

/** One AsyncLocalStorage per process, shared by every copy of this module. */
export function requestStorage(): AsyncLocalStorage<RequestContext> {
  const g = globalThis as G;
  return (g[STORAGE_SYMBOL] ??= new AsyncLocalStorage<RequestContext>());
}

/** The kernel this process runs, or null outside a kernel (plain node, tests). */
export function findKernel(): KernelRuntime | null {
  return (globalThis as G)[KERNEL_SYMBOL] ?? null;
}

export function setKernel(k: KernelRuntime | null): void {
  const g = globalThis as G;
  if (k) g[KERNEL_SYMBOL] = k;
  else delete g[KERNEL_SYMBOL];
}
