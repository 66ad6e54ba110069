// The standalone bundle (widgets/dist/pssr-widgets.js): @jupyter-widgets/html-manager plus
// this module, for offline HTML reports and tests. On load it renders every embedded
// widget state (<script type="application/vnd.jupyter.widget-state+json">) into the
// <script type="application/vnd.jupyter.widget-view+json"> placeholders.
import { HTMLManager } from "@jupyter-widgets/html-manager/lib/htmlmanager.js";
import * as widgetExports from "./index.js";
import { WIDGET_MODULE as MODULE_NAME, WIDGET_STATE_MIME as STATE_MIME, WIDGET_VIEW_MIME as VIEW_MIME } from "../../src/widgets/protocol.js";

export * from "./index.js";
export { HTMLManager };

/** Loads our module by name; html-manager serves @jupyter-widgets/base and controls itself. */
export function loader(moduleName: string): Promise<any> {
  if (moduleName === MODULE_NAME) return Promise.resolve(widgetExports);
  return Promise.reject(new Error(`module ${moduleName} is not bundled with pssr-lab`));
}


/** Renders the widget state embedded in `root` (default: the document); resolves when every view is attached. */
export async function renderEmbedded(root: ParentNode = document): Promise<number> {
  const manager = new HTMLManager({ loader });
  const stateTags = Array.from(root.querySelectorAll(`script[type="${STATE_MIME}"]`));
  for (const tag of stateTags) await manager.set_state(JSON.parse(tag.textContent ?? "{}"));
  const views = Array.from(root.querySelectorAll(`script[type="${VIEW_MIME}"]`));
  let n = 0;
  for (const tag of views) {
    const spec = JSON.parse(tag.textContent ?? "{}");
    const model = await manager.get_model(spec.model_id);
    const host = document.createElement("div");
    host.className = "pssr-widget-host";
    tag.parentElement!.insertBefore(host, tag);
    const view = await manager.create_view(model);
    await manager.display_view(view, host);
    n++;
  }
  document.body.dataset.widgetsRendered = String(n);
  // For a look from the console (and the tests): the classes and the manager of this page.
  (globalThis as any).pssrLabWidgets = { ...widgetExports, manager };
  return n;
}

// A report page renders itself: module scripts run after the document is parsed.
if (typeof document !== "undefined" && !(globalThis as any).__pssrNoAutoRender && document.querySelector(`script[type="${STATE_MIME}"]`)) {
  renderEmbedded().catch((e) => {
    console.error("pssr-lab widgets could not render", e);
    document.body.dataset.widgetsError = String(e?.message ?? e);
  });
}
