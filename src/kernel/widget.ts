// Kernel side of the Jupyter widget protocol 2.1.0 (ipywidgets packages/schema/messages.md).
// One comm per widget on target `jupyter.widget`, the comm id being the model id. State goes
// out with comm_open {state, buffer_paths} and `update` messages; the front end sends
// `update` (answered with `echo_update` to every front end), `request_state` (answered with
// the full state) and `custom` messages. Binary fields (typed arrays, DataView, ArrayBuffer)
// travel as raw buffers.
//
// Project widgets extend `Widget`:
//
//   class Counter extends Widget<{ value: number }> {
//     constructor(value = 0) {
//       super({ modelName: "CounterModel", modelModule: "pssr-widgets", modelModuleVersion: "0.1.0",
//               viewName: "CounterView", viewModule: "pssr-widgets", viewModuleVersion: "0.1.0" },
//             { value });
//     }
//   }
//   const c = new Counter();  c.on("change:value", (v) => ...);  c.set({ value: 3 });  c.display();
import type { Comm, CommMessage } from "./comm.js";
import { findKernel, type KernelRuntime, type WidgetRecord } from "./context.js";
import { DISPLAY_SYMBOL, display, type DisplayHandle, type MimeBundle } from "./display.js";
import { putBuffers, removeBuffers } from "./buffers.js";
import type { BufferLike } from "./wire.js";
import { randomUUID } from "node:crypto";
import { WIDGET_VIEW_MIME } from "./widget-mime.js";

export const WIDGET_PROTOCOL_VERSION = "2.1.0";
export const WIDGET_TARGET = "jupyter.widget";
export const WIDGET_CONTROL_TARGET = "jupyter.widget.control";
export { WIDGET_VIEW_MIME };

/** Which front-end classes render the model (the `_model_*` / `_view_*` state keys). */
export interface WidgetModelSpec {
  modelName: string;
  modelModule: string;
  modelModuleVersion: string;
  viewName?: string | null;
  viewModule?: string;
  viewModuleVersion?: string;
}

/** Where a change came from: kernel code (`set`) or a front end (`update` message). */
export type ChangeSource = "kernel" | "frontend";

export type ChangeHandler<T> = (value: T, old: T, source: ChangeSource) => void | Promise<void>;
export type CustomHandler = (content: any, buffers: DataView[]) => void | Promise<void>;

type EventMap<S> = {
  [K in keyof S & string as `change:${K}`]: ChangeHandler<S[K]>;
} & {
  change: (changes: Partial<S>, source: ChangeSource) => void | Promise<void>;
  "msg:custom": CustomHandler;
  close: () => void;
};

/**
 * State as sent to the front end: widgets inside it (e.g. a child or a layout) become
 * "IPY_MODEL_<model id>" references, as ipywidgets' widget_serialization does.
 */
export function serializeState(state: Record<string, unknown>): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (v instanceof Widget) return `IPY_MODEL_${v.modelId}`;
    if (Array.isArray(v)) return v.some((x) => x instanceof Widget || Array.isArray(x) || isPlain(x)) ? v.map(walk) : v;
    if (isPlain(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(state) as Record<string, unknown>;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;
}

function echoEnabled(): boolean {
  const v = process.env.JUPYTER_WIDGETS_ECHO;
  return v === undefined || !/^(0|false|no)$/i.test(v);
}

/**
 * A widget model living in the kernel. `S` is the synced state (JSON values and binary
 * fields); `_model_*`/`_view_*` keys come from the spec. Outside a kernel (plain node) a
 * widget keeps its state and fires its handlers but sends nothing.
 */
export class Widget<S extends object = Record<string, unknown>> implements WidgetRecord {
  readonly modelId: string;
  readonly modelName: string;
  readonly modelModule: string;
  readonly modelModuleVersion: string;
  /** Keys whose front-end changes are not echoed to other front ends. */
  protected noEcho = new Set<string>();
  private readonly state: Record<string, unknown>;
  private readonly handlers = new Map<string, Function[]>();
  private readonly comm: Comm | null;
  private readonly kernel: KernelRuntime | null;

  constructor(spec: WidgetModelSpec, state: S, options: { comm?: Comm } = {}) {
    this.modelName = spec.modelName;
    this.modelModule = spec.modelModule;
    this.modelModuleVersion = spec.modelModuleVersion;
    this.state = {
      _model_name: spec.modelName,
      _model_module: spec.modelModule,
      _model_module_version: spec.modelModuleVersion,
      _view_name: spec.viewName ?? null,
      _view_module: spec.viewModule ?? spec.modelModule,
      _view_module_version: spec.viewModuleVersion ?? spec.modelModuleVersion,
      _view_count: null,
      ...state,
    };
    this.kernel = findKernel();
    if (options.comm) {
      this.comm = options.comm;
    } else if (this.kernel) {
      const { state: json, bufferPaths, buffers } = removeBuffers(serializeState(this.state));
      this.comm = this.kernel.comms.open(
        WIDGET_TARGET,
        { state: json, buffer_paths: bufferPaths },
        { metadata: { version: WIDGET_PROTOCOL_VERSION }, buffers },
      );
    } else {
      this.comm = null;
    }
    this.modelId = this.comm?.id ?? randomUUID().replace(/-/g, "");
    if (this.comm) {
      this.comm.onMsg((msg) => this.handleMessage(msg));
      this.comm.onClose(() => this.closed());
      this.kernel?.widgets.set(this.modelId, this);
    }
  }

  /** One state value. */
  get<K extends keyof S & string>(key: K): S[K] {
    return this.state[key] as S[K];
  }

  /** The whole synced state as sent (`_model_*` keys included, widgets as IPY_MODEL_ references). */
  fullState(): Record<string, unknown> {
    return serializeState(this.state);
  }

  /**
   * Changes state values, sends them to the front ends in one `update`, then runs the
   * change handlers. Values equal (===) to the current ones are skipped.
   */
  set(patch: Partial<S>): this {
    const changed: Record<string, unknown> = {};
    const old: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) {
      if (this.state[k] === v && !(v !== null && typeof v === "object")) continue;
      old[k] = this.state[k];
      this.state[k] = v;
      changed[k] = v;
    }
    if (Object.keys(changed).length === 0) return this;
    this.sendState(changed);
    // Handlers run now; an error in one is reported on the cell's stderr, not thrown into set().
    this.fireChanges(changed, old, "kernel").catch((e) => console.error(e));
    return this;
  }

  /** Sends the given keys (default: all) as an `update` message. */
  protected sendState(keys: Record<string, unknown> = this.state): void {
    if (!this.comm || this.comm.isClosed) return;
    const { state, bufferPaths, buffers } = removeBuffers(serializeState(keys));
    this.comm.send({ method: "update", state, buffer_paths: bufferPaths }, { buffers });
  }

  on<E extends keyof EventMap<S> & string>(event: E, handler: EventMap<S>[E]): this;
  on(event: string, handler: Function): this {
    const list = this.handlers.get(event) ?? [];
    list.push(handler);
    this.handlers.set(event, list);
    return this;
  }

  off(event: string, handler?: Function): this {
    if (!handler) this.handlers.delete(event);
    else this.handlers.set(event, (this.handlers.get(event) ?? []).filter((h) => h !== handler));
    return this;
  }

  /** Sends a custom message (`model.on("msg:custom")` in the front end), with optional buffers. */
  send(content: unknown, buffers: readonly BufferLike[] = []): void {
    this.comm?.send({ method: "custom", content }, { buffers });
  }

  /** Shows the widget below the current cell. */
  display(): DisplayHandle {
    return display(this);
  }

  /** Closes the model on both sides. */
  close(): void {
    if (this.comm && !this.comm.isClosed) this.comm.close();
    this.closed();
  }

  get isClosed(): boolean {
    return this.comm ? this.comm.isClosed : false;
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    return {
      [WIDGET_VIEW_MIME]: { model_id: this.modelId, version_major: 2, version_minor: 1 },
      "text/plain": `${this.constructor.name}(${this.modelName}, id=${this.modelId})`,
    };
  }

  private closed(): void {
    this.kernel?.widgets.delete(this.modelId);
    for (const h of this.handlers.get("close") ?? []) (h as () => void)();
  }

  private async fireChanges(changed: Record<string, unknown>, old: Record<string, unknown>, source: ChangeSource): Promise<void> {
    for (const k of Object.keys(changed)) {
      for (const h of this.handlers.get(`change:${k}`) ?? []) await h(changed[k], old[k], source);
    }
    for (const h of this.handlers.get("change") ?? []) await h(changed, source);
  }

  private async handleMessage(msg: CommMessage): Promise<void> {
    const data = msg.data ?? {};
    switch (data.method) {
      case "update": {
        const incoming: Record<string, unknown> = data.state ?? {};
        putBuffers(incoming, data.buffer_paths, msg.buffers);
        if (echoEnabled() && this.comm && !this.comm.isClosed) {
          const echo: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(incoming)) if (!this.noEcho.has(k)) echo[k] = v;
          if (Object.keys(echo).length > 0) {
            const { state, bufferPaths, buffers } = removeBuffers(echo);
            this.comm.send({ method: "echo_update", state, buffer_paths: bufferPaths }, { buffers });
          }
        }
        const old: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(incoming)) {
          old[k] = this.state[k];
          this.state[k] = v;
        }
        await this.fireChanges(incoming, old, "frontend");
        return;
      }
      case "request_state":
        this.sendState();
        return;
      case "custom":
        for (const h of this.handlers.get("msg:custom") ?? []) await h(data.content, msg.buffers);
        return;
      default:
        throw new Error(`widget ${this.modelId}: unknown method ${JSON.stringify(data.method)}`);
    }
  }
}

/**
 * Answers `request_states` on a `jupyter.widget.control` comm with `update_states`: every live
 * widget's full state, buffers removed with paths rooted at the states object
 * ([model_id, "state", ...key path]), so a reloaded page can rebuild all widgets at once.
 */
export function controlStates(widgets: Iterable<WidgetRecord>): { content: Record<string, unknown>; buffers: BufferLike[] } {
  const states: Record<string, unknown> = {};
  for (const w of widgets) {
    states[w.modelId] = {
      model_name: w.modelName,
      model_module: w.modelModule,
      model_module_version: w.modelModuleVersion,
      state: w.fullState(),
    };
  }
  const { state, bufferPaths, buffers } = removeBuffers(states);
  return { content: { method: "update_states", states: state, buffer_paths: bufferPaths }, buffers };
}

/** Widgets the front end creates (comm_open on jupyter.widget) become plain kernel-side models. */
export function widgetFromFrontend(comm: Comm, msg: CommMessage): Widget {
  const state: Record<string, unknown> = { ...(msg.data?.state ?? {}) };
  putBuffers(state, msg.data?.buffer_paths, msg.buffers);
  return new Widget(
    {
      modelName: String(state._model_name ?? ""),
      modelModule: String(state._model_module ?? ""),
      modelModuleVersion: String(state._model_module_version ?? ""),
      viewName: (state._view_name as string | null) ?? null,
      viewModule: state._view_module as string | undefined,
      viewModuleVersion: state._view_module_version as string | undefined,
    },
    state,
    { comm },
  );
}
