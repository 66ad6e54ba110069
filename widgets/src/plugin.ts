// JupyterLab 4 / Notebook 7 plugin: registers the widget module with the widget manager of
// @jupyter-widgets/jupyterlab-manager (shared singleton @jupyter-widgets/base).
import { IJupyterWidgetRegistry } from "@jupyter-widgets/base";
import * as widgetExports from "./index.js";
import { WIDGET_MODULE as MODULE_NAME, WIDGET_MODULE_VERSION as MODULE_VERSION } from "../../src/widgets/protocol.js";

const plugin = {
  id: `${MODULE_NAME}:plugin`,
  description: "pssr-lab widgets: image comparison, error maps, FRC, kymographs, crappifier tuner, training monitor",
  requires: [IJupyterWidgetRegistry],
  autoStart: true,
  activate: (_app: unknown, registry: any): void => {
    registry.registerWidget({ name: MODULE_NAME, version: MODULE_VERSION, exports: widgetExports });
  },
};

export default plugin;
