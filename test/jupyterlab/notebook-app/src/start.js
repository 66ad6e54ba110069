// pssr-lab's own code (test/jupyterlab): the Notebook 7 bundle's entry: prebuilt extensions first, then the app.
// As in ../../app/src/start.js: ./publicpath.js runs before any chunk loads, and the federated
// containers join the share scope before ./notebook.js (and every shared package) is evaluated.
import "./publicpath.js";
import { pageConfig } from "./page-config.js";
import { joinFederatedExtensions } from "./federation.js";

// The token came in the URL once; the server put it in the page config, so drop it from the address bar.
const address = new URL(window.location.href);
if (address.searchParams.has("token")) {
  address.searchParams.delete("token");
  window.history.replaceState(window.history.state, "", address.href);
}

const whenLoaded = () => new Promise((resolve) => (document.readyState === "complete" ? resolve() : window.addEventListener("load", () => resolve(), { once: true })));

(async () => {
  const config = pageConfig();
  const federated = await joinFederatedExtensions(config.federated_extensions ?? [], config.fullLabextensionsUrl ?? "");
  const { startNotebook } = await import("./notebook.js");
  await whenLoaded();
  await startNotebook(federated);
})().catch((e) => console.error("pssr-lab test notebook failed to start:", e));
