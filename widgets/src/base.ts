// Model and view bases shared by every pssr-lab widget: models built from the protocol module's
// names and default states (src/widgets/protocol.ts, shared with the kernel side), typed access
// to a widget's declared state, the stylesheet, and theme-change redraws.
import { DOMWidgetModel, DOMWidgetView } from "@jupyter-widgets/base";
import { DEFAULT_STATES, widgetClassNames, type PlaneState, type WidgetName, type WidgetStates } from "../../src/widgets/protocol.js";
import { injectStyle } from "./common.js";

/** A state value as it arrives in the browser: binary fields come as a DataView over the buffer. */
export type Received<T> = T extends Float32Array ? DataView | ArrayBuffer | Float32Array : T extends object ? { [K in keyof T]: Received<T[K]> } : T;

/**
 * A model whose get/set speak the widget's declared state (images not yet sent are null, as in
 * DEFAULT_STATES). The last overloads take `never`: they keep the type a WidgetModel for
 * DOMWidgetView while refusing any key or value the protocol does not declare.
 */
export interface StateModel<S> extends DOMWidgetModel {
  get<K extends keyof S & string>(key: K): Received<S[K]> | (S[K] extends PlaneState ? null : never);
  get(key: never): unknown;
  set<K extends keyof S & string>(key: K, value: S[K] | Received<S[K]>): this;
  set(patch: Partial<{ [K in keyof S]: S[K] | Received<S[K]> }>): this;
  set(key: never, value?: never, options?: never): unknown;
}

export function modelClass(name: WidgetName): typeof DOMWidgetModel {
  const { modelName, viewName, module, moduleVersion } = widgetClassNames(name);
  const defaults = DEFAULT_STATES[name];
  return class extends DOMWidgetModel {
    static model_name = modelName;
    static model_module = module;
    static model_module_version = moduleVersion;
    static view_name = viewName;
    static view_module = module;
    static view_module_version = moduleVersion;
    defaults() {
      return {
        ...super.defaults(),
        _model_name: modelName,
        _model_module: module,
        _model_module_version: moduleVersion,
        _view_name: viewName,
        _view_module: module,
        _view_module_version: moduleVersion,
        // a copy: Backbone shares default objects between models otherwise
        ...structuredClone(defaults),
      };
    }
  };
}

export class PssrView<N extends WidgetName> extends DOMWidgetView {
  declare model: StateModel<WidgetStates[N]>;
  private themeObserver: MutationObserver | null = null;

  initialize(parameters: any): void {
    super.initialize(parameters);
    injectStyle();
    this.el.classList.add("pssr-widget");
    // JupyterLab switches themes by swapping its CSS variables and these body attributes:
    // plots and canvas text read the colours when drawn, so they are drawn again.
    if (typeof MutationObserver !== "undefined" && typeof document !== "undefined") {
      const redraw = () => {
        this.themeChanged();
        this.el.dataset.themeDraws = String(Number(this.el.dataset.themeDraws ?? "0") + 1);
      };
      // Now, and once more a little later in case the theme's stylesheet lands after the flag.
      this.themeObserver = new MutationObserver(() => {
        requestAnimationFrame(redraw);
        setTimeout(redraw, 500);
      });
      this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
    }
  }

  /** Redraws what holds theme colours outside CSS (plots, canvas text). */
  protected themeChanged(): void {}

  remove(): any {
    this.themeObserver?.disconnect();
    return super.remove();
  }

  /** Sets state and sends it to the kernel at once (the widget manager coalesces while one update is in flight). */
  protected push(patch: Partial<WidgetStates[N]>): void {
    this.model.set(patch);
    this.model.save_changes();
  }

  /** Marks the view as having drawn a new image: tests and the benchmark read these attributes. */
  protected markDrawn(what: string): void {
    const n = Number(this.el.dataset.draws ?? "0") + 1;
    this.el.dataset.draws = String(n);
    this.el.dataset.lastDrawn = what;
    this.el.dispatchEvent(new CustomEvent("pssr-drawn", { detail: { what, t: performance.now() }, bubbles: true }));
  }
}
