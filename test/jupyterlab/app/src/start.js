// pssr-lab's own code (test/jupyterlab): the bundle's entry: prebuilt extensions first, then the lab.
// Order matters: ./publicpath.js must run before any chunk loads, and the federated containers
// must join the share scope before ./lab.js (and with it every shared package) is evaluated,
// hence the dynamic import.
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
  const { startLab } = await import("./lab.js");
  // every stylesheet the chunks injected is in place before the shell measures itself
  await whenLoaded();
  await startLab(federated);
})().catch((e) => console.error("pssr-lab test lab failed to start:", e));
