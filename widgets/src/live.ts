// A widget manager bound to a live kernel through @jupyterlab/services, as ipywidgets'
// examples/web3 does: the page starts a kernel on a Jupyter Server, runs code, and renders
// the widgets the code displays. Used by the browser tests (and usable as a tiny front end).
import * as base from "@jupyter-widgets/base";
import { HTMLManager } from "@jupyter-widgets/html-manager/lib/htmlmanager.js";
import { KernelManager, ServerConnection } from "@jupyterlab/services";
import { loader } from "./embed.js";
import { WIDGET_VIEW_MIME } from "../../src/widgets/protocol.js";

export * from "./index.js";

export class LiveWidgetManager extends HTMLManager {
  constructor(readonly kernel: any) {
    super({ loader });
    kernel.registerCommTarget("jupyter.widget", async (comm: any, msg: any) => {
      const oldComm = new base.shims.services.Comm(comm);
      await this.handle_comm_open(oldComm, msg);
    });
  }

  async _create_comm(targetName: string, modelId?: string, data?: any, metadata?: any, buffers?: any): Promise<any> {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) comm.open(data, metadata, buffers);
    return new base.shims.services.Comm(comm);
  }

  async _get_comm_info(): Promise<any> {
    const reply = await this.kernel.requestCommInfo({ target_name: "jupyter.widget" });
    return reply.content.status === "ok" ? reply.content.comms : {};
  }
}

export interface ExecuteResult {
  stdout: string;
  stderr: string;
  error: string | null;
  views: HTMLElement[];
  /** The mime types of each update_display_data the cell sent (an update replaces an earlier output). */
  updates: string[][];
}

/** Connects to a Jupyter Server and starts a kernel; `exec` runs code and renders widget views into `host`. */
export async function connect(options: { baseUrl: string; token: string; kernelName: string }) {
  const serverSettings = ServerConnection.makeSettings({ baseUrl: options.baseUrl, wsUrl: options.baseUrl.replace(/^http/, "ws"), token: options.token, appendToken: true });
  const kernelManager = new KernelManager({ serverSettings });
  const kernel = await kernelManager.startNew({ name: options.kernelName });
  const manager = new LiveWidgetManager(kernel);
  async function exec(code: string, host: HTMLElement): Promise<ExecuteResult> {
    const out: ExecuteResult = { stdout: "", stderr: "", error: null, views: [], updates: [] };
    const future = kernel.requestExecute({ code, stop_on_error: true });
    const pending: Promise<void>[] = [];
    future.onIOPub = (msg: any) => {
      const t = msg.header.msg_type;
      const c = msg.content;
      if (t === "stream") {
        if (c.name === "stdout") out.stdout += c.text;
        else out.stderr += c.text;
      } else if (t === "update_display_data") {
        out.updates.push(Object.keys(c.data).sort());
      } else if (t === "error") {
        out.error = `${c.ename}: ${c.evalue}\n${(c.traceback ?? []).join("\n")}`;
      } else if ((t === "display_data" || t === "execute_result") && c.data[WIDGET_VIEW_MIME]) {
        const spec = c.data[WIDGET_VIEW_MIME];
        const div = document.createElement("div");
        div.className = "pssr-widget-host";
        div.dataset.modelId = spec.model_id;
        host.appendChild(div);
        out.views.push(div);
        pending.push(
          manager.get_model(spec.model_id).then(async (model: any) => {
            const view = await manager.create_view(model);
            await manager.display_view(view, div);
          }),
        );
      }
    };
    const reply: any = await future.done;
    await Promise.all(pending);
    if (reply.content.status !== "ok" && !out.error) out.error = `${reply.content.ename}: ${reply.content.evalue}`;
    return out;
  }
  return { kernel, manager, exec, shutdown: () => kernel.shutdown() };
}

/** The @jupyter-widgets/base this bundle uses (a test offers it to the JupyterLab build's shared scope). */
export * as widgetsBase from "@jupyter-widgets/base";
