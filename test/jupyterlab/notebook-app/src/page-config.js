// pssr-lab's own code (test/jupyterlab): the server's page config, read before any shared package loads.
// Kept in step with ../../app/src/page-config.js (each app is hashed, cached and built from its own folder).
// The server renders it as JSON into <script id="jupyter-config-data">. @jupyterlab/coreutils'
// PageConfig reads the same tag, but it is a federated (shared) package: importing it here,
// before the prebuilt extensions have joined the share scope, would fix its version too early.
let cached;

/** The whole page config object (empty when the page has none, e.g. a bare test page). */
export function pageConfig() {
  if (cached === undefined) {
    const tag = document.getElementById("jupyter-config-data");
    cached = tag?.textContent ? JSON.parse(tag.textContent) : {};
  }
  return cached;
}
