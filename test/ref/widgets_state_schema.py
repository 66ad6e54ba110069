"""Validates an embedded widget-state document against ipywidgets' own JSON schema
(@jupyter-widgets/schema v2/state.schema.json, shipped in node_modules) with python3-jsonschema.

usage: widgets_state_schema.py SCHEMA_JSON STATE_JSON
Prints "ok <n models>" or the validation error (exit 1).
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
state = json.load(open(sys.argv[2]))
try:
    jsonschema.validate(state, schema)
except jsonschema.ValidationError as e:
    print("FAIL", e.message, list(e.absolute_path)[:6])
    sys.exit(1)
print("ok", len(state["state"]))
