"""Reads the FRC static SVG with xml.etree: recovers each axis from its tick labels (the label's
number against its position, least squares), maps every polyline back to data coordinates and
compares with the curves given.
usage: widgets_frc_svg.py SVG CURVES_JSON  -> {"curves": n, "thresholds": n, "max_freq_err", "max_frc_err", "legend": [...], "x_end"}"""
import json
import sys
import xml.etree.ElementTree as ET

import numpy as np

ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
curves = json.loads(sys.argv[2])
texts = root.findall(f"{ns}text")
xt = [(float(t.text), float(t.get("x"))) for t in texts if t.get("class") == "xtick"]
yt = [(float(t.text), float(t.get("y")) - 4) for t in texts if t.get("class") == "ytick"]
bx = np.polyfit([p for _, p in xt], [v for v, _ in xt], 1)
by = np.polyfit([p for _, p in yt], [v for v, _ in yt], 1)
lines = root.findall(f"{ns}polyline")
kinds = {"curve": [l for l in lines if l.get("class") == "curve"], "threshold": [l for l in lines if l.get("class") == "threshold"]}
ferr = verr = 0.0
for key, field in (("curve", "frc"), ("threshold", "threshold")):
    for line, c in zip(kinds[key], curves):
        pts = np.array([[float(v) for v in p.split(",")] for p in line.get("points").split()])
        f = np.polyval(bx, pts[:, 0])
        v = np.polyval(by, pts[:, 1])
        data = [(x, y) for x, y in zip(c["freq"], c[field]) if y is not None]
        ferr = max(ferr, float(np.abs(f - [d[0] for d in data]).max()))
        verr = max(verr, float(np.abs(v - [d[1] for d in data]).max()))
print(json.dumps({
    "curves": len(kinds["curve"]), "thresholds": len(kinds["threshold"]),
    "max_freq_err": ferr, "max_frc_err": verr,
    "legend": [t.text for t in texts if t.get("class") is None and t.text and ("threshold" in t.text or any(t.text == c["name"] for c in curves))],
    "x_end": max(v for v, _ in xt),
}))
