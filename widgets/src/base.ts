// Model and view bases shared by every pssr-lab widget: the module names and versions, the
// stylesheet, and a model whose defaults carry the `_model_*` / `_view_*` keys.
import { DOMWidgetModel, DOMWidgetView } from "@jupyter-widgets/base";
import { MODULE_NAME, MODULE_VERSION } from "./version.js";
import { injectStyle } from "./common.js";

export function modelClass(modelName: string, viewName: string, defaults: Record<string, unknown>): typeof DOMWidgetModel {
  return class extends DOMWidgetModel {
    static model_name = modelName;
    static model_module = MODULE_NAME;
    static model_module_version = MODULE_VERSION;
    static view_name = viewName;
    static view_module = MODULE_NAME;
    static view_module_version = MODULE_VERSION;
    defaults() {
      return {
        ...super.defaults(),
        _model_name: modelName,
        _model_module: MODULE_NAME,
        _model_module_version: MODULE_VERSION,
        _view_name: viewName,
        _view_module: MODULE_NAME,
        _view_module_version: MODULE_VERSION,
        ...defaults,
      };
    }
  };
}

export class PssrView extends DOMWidgetView {
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
  protected push(patch: Record<string, unknown>): void {
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
