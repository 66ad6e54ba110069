"""Serves the Jupyter Notebook 7 front end built by test/jupyterlab/build.mjs (notebook-app)
with Debian's jupyterlab_server 2.16 / jupyter_server 1.23, for the tests: the pages /tree,
/notebooks/<path> and /edit/<path>, each rendered from the build's page templates with the
page config JupyterLab's own handler computes (federated extensions, settings URLs, token).

  PSSR_JLAB_BUILD=<build dir> PSSR_JLAB_STATE=<temp dir> /usr/bin/python3 notebook_server.py \
      --ip=127.0.0.1 --port=0 --ServerApp.token=... --ServerApp.root_dir=...
"""
import json
import os
import sys

from jupyter_server.utils import url_path_join
from jupyterlab_server import LabServerApp
from jupyterlab_server.handlers import LabHandler
from tornado import web

BUILD = os.environ["PSSR_JLAB_BUILD"]
STATE = os.environ["PSSR_JLAB_STATE"]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

with open(os.path.join(BUILD, "package.json")) as f:
    _VERSION = json.load(f)["version"]


def _jupyter_server_extension_points():
    return [{"module": "notebook_server", "app": PssrTestNotebook}]


class _Page(LabHandler):
    """One Notebook page: its template gets a copy of the lab's page config."""

    template = ""

    @web.authenticated
    def get(self, path=""):
        pc = dict(self.get_page_config())  # get_page_config is cached and shared: never mutate it
        pc["appVersion"] = _VERSION
        pc["frontendUrl"] = url_path_join(self.base_url, "/")
        pc["preferredPath"] = "/"
        if self.template == "tree":
            pc["treePath"] = path.strip("/")
        self.write(self.render_template(f"{self.template}.html", page_config=pc))


class TreePage(_Page):
    template = "tree"


class NotebookPage(_Page):
    template = "notebooks"


class EditPage(_Page):
    template = "edit"


class PssrTestNotebook(LabServerApp):
    name = "pssr_test_notebook"
    extension_url = "/"
    default_url = "/tree"
    file_url_prefix = "/tree"
    load_other_extensions = False
    app_name = "Jupyter Notebook"
    app_version = _VERSION
    app_settings_dir = os.path.join(HERE, "settings")
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    static_dir = os.path.join(BUILD, "static")
    templates_dir = os.path.join(BUILD, "templates")
    user_settings_dir = os.path.join(STATE, "user-settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    def initialize_handlers(self):
        super().initialize_handlers()
        from compat import HANDLERS, fix_not_found_page_config

        fix_not_found_page_config()
        self.handlers.extend(HANDLERS)
        self.handlers.extend([("/tree(.*)", TreePage), ("/notebooks(.*)", NotebookPage), ("/edit(.*)", EditPage)])

    def initialize_settings(self):
        super().initialize_settings()
        pc = self.serverapp.web_app.settings.setdefault("page_config_data", {})
        pc["buildAvailable"] = False
        pc["buildCheck"] = False
        pc["devMode"] = False
        pc["token"] = self.serverapp.token
        pc["exposeAppInBrowser"] = True  # window.jupyterapp, which the tests drive
        pc["news"] = {"disabled": True}
        pc["terminalsAvailable"] = False


if __name__ == "__main__":
    import notebook_server

    notebook_server.PssrTestNotebook.launch_instance()
