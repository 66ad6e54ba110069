"""What JupyterLab 4 asks of jupyter_server >= 2 and jupyter-lsp that Debian 12's
jupyter_server 1.23 lacks, answered minimally so the console holds only real problems."""
import json

from jupyter_server.base.handlers import JupyterHandler
from tornado import web, websocket


class Me(JupyterHandler):
    """GET /api/me (identity API of jupyter_server 2): one local user, every asked permission."""

    @web.authenticated
    def get(self):
        try:
            asked = json.loads(self.get_argument("permissions", "{}") or "{}")
        except ValueError:
            asked = {}
        user = {"username": "tester", "name": "Tester", "display_name": "Tester", "initials": "T", "avatar_url": None, "color": None}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"identity": user, "permissions": {k: list(v) for k, v in asked.items()}}))


class EventsPost(JupyterHandler):
    """POST /api/events (event bus of jupyter_server 2): accepted and dropped."""

    @web.authenticated
    def post(self):
        self.set_status(204)
        self.finish()


class EventsSocket(websocket.WebSocketHandler, JupyterHandler):
    """WS /api/events/subscribe: stays open and quiet (else the lab reconnects every 30 s)."""

    async def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403)
        return await super().get(*args, **kwargs)

    def check_origin(self, origin):
        return True  # loopback only; the token was checked above

    def on_message(self, message):
        pass


class LspStatus(JupyterHandler):
    """GET /lsp/status (jupyter-lsp): no language servers."""

    @web.authenticated
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"version": 2, "sessions": {}, "specs": {}}))


HANDLERS = [
    (r"/api/me", Me),
    (r"/api/events", EventsPost),
    (r"/api/events/subscribe", EventsSocket),
    (r"/lsp/status", LspStatus),
]


def fix_not_found_page_config():
    """jupyterlab_server 2.16.5 writes notFoundUrl into the server-wide page config on any 404
    under /lab/ (its lru_cache'd get_page_config returns the shared dict), so every later page
    shows "path not found". Later releases copy it first; so do we."""
    from jupyterlab_server import handlers

    def get_page_config(self):
        pc = dict(handlers.LabHandler.get_page_config(self))
        pc["notFoundUrl"] = self.request.path
        return pc

    handlers.NotFoundHandler.get_page_config = get_page_config
