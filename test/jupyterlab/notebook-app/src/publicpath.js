// pssr-lab's own code (test/jupyterlab): lazy chunks load from the static URL the server announces.
// Kept in step with ../../app/src/publicpath.js (each app is hashed, cached and built from its own folder).
// The build's publicPath is a Jinja placeholder that only the HTML template gets filled in, so
// the runtime needs the real value before the first dynamic import.
import { pageConfig } from "./page-config.js";

const staticUrl = pageConfig().fullStaticUrl;
if (staticUrl) __webpack_public_path__ = staticUrl.endsWith("/") ? staticUrl : `${staticUrl}/`;
