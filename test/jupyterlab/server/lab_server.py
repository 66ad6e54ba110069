"""Serves the JupyterLab front end built by test/jupyterlab/build.mjs with Debian's
jupyterlab_server 2.16 / jupyter_server 1.23 (no PyPI here, so no `jupyterlab` package).

  PSSR_JLAB_BUILD=<build dir> PSSR_JLAB_STATE=<temp dir> /usr/bin/python3 lab_server.py \
      --ip=127.0.0.1 --port=0 --ServerApp.token=... --ServerApp.root_dir=...

Prebuilt extensions (pssr-lab-widgets) are found in <JUPYTER_PATH>/labextensions; the caller
points every JUPYTER_* folder at a temporary directory.
"""
import json
import os
import sys

from jupyterlab_server import LabServerApp

BUILD = os.environ["PSSR_JLAB_BUILD"]
STATE = os.environ["PSSR_JLAB_STATE"]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

with open(os.path.join(BUILD, "package.json")) as f:
    _VERSION = json.load(f)["version"]


def _jupyter_server_extension_points():
    return [{"module": "lab_server", "app": PssrTestLab}]


class PssrTestLab(LabServerApp):
    name = "pssr_test_lab"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab"
    app_version = _VERSION
    app_settings_dir = os.path.join(HERE, "settings")  # overrides.json: no news, no update check
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    static_dir = os.path.join(BUILD, "static")
    templates_dir = os.path.join(BUILD, "static")  # the built index.html is the page template
    user_settings_dir = os.path.join(STATE, "user-settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    def initialize_handlers(self):
        super().initialize_handlers()
        from compat import HANDLERS, fix_not_found_page_config

        fix_not_found_page_config()
        self.handlers.extend(HANDLERS)

    def initialize_settings(self):
        super().initialize_settings()
        pc = self.serverapp.web_app.settings.setdefault("page_config_data", {})
        # a prebuilt front end: nothing to rebuild, no build check against PyPI's jupyterlab
        pc["buildAvailable"] = False
        pc["buildCheck"] = False
        pc["devMode"] = False
        pc["token"] = self.serverapp.token
        pc["exposeAppInBrowser"] = True  # window.jupyterapp, which the tests drive
        pc["news"] = {"disabled": True}


if __name__ == "__main__":
    import lab_server

    lab_server.PssrTestLab.launch_instance()
