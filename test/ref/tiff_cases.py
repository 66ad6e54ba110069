"""Writes, with tifffile, the TIFFs the partial-file and calibration-rule tests read.

usage: tiff_cases.py OUTDIR SOURCE_5FRAME.tif
Prints one JSON line per file: {"name", "file", "npy"?, "cut"?, ...}. Truncated files ("cut")
are the first half of a complete one; "npy" holds the complete file's pixels as tifffile
reads them (frames, y, x), so the test can compare the planes a partial read returns.
"""
import json
import os
import sys

import numpy as np
import tifffile

out, source = sys.argv[1], sys.argv[2]
frames = tifffile.imread(source)  # 5 x 256 x 256 uint16
assert frames.shape[0] == 5, frames.shape


def emit(name, **kw):
    print(json.dumps({"name": name, "file": os.path.join(out, name), **kw}))


def cut_half(name):
    full = os.path.join(out, name)
    with open(full, "rb") as f:
        b = f.read()
    half = name.replace(".tif", "_half.tif")
    with open(os.path.join(out, half), "wb") as f:
        f.write(b[: len(b) // 2])
    return half


npy = os.path.join(out, "frames.npy")
np.save(npy, frames)

# 1. A 5-frame ImageJ time-lapse (0.65 um, 5 s), a calibration once lost on reading, and its first half.
tifffile.imwrite(os.path.join(out, "ij_timelapse.tif"), frames, imagej=True, resolution=(1 / 0.65, 1 / 0.65),
                 metadata={"axes": "TYX", "finterval": 5, "unit": "um"})
emit("ij_timelapse.tif", npy=npy, planes=5)
emit(cut_half("ij_timelapse.tif"), npy=npy, planes=5, cut=True, source="ImageJ")
# 2. tifffile's shaped description ({"shape": [5, 256, 256]}).
tifffile.imwrite(os.path.join(out, "shaped.tif"), frames)
emit(cut_half("shaped.tif"), npy=npy, planes=5, cut=True, source="tifffile shape")
# 3. OME-TIFF (SizeT 5).
tifffile.imwrite(os.path.join(out, "ome.ome.tif"), frames, ome=True, metadata={"axes": "TYX"})
emit(cut_half("ome.ome.tif"), npy=npy, planes=5, cut=True, source="lost description")  # tifffile puts the OME-XML at the end: cut off too
# The OME-XML kept but the IFD chain ended after page 1 (its next-IFD pointer zeroed).
with tifffile.TiffFile(os.path.join(out, "ome.ome.tif")) as t:
    assert not t.is_bigtiff and t.byteorder == "<"
    ifd1 = t.pages[1].offset
with open(os.path.join(out, "ome.ome.tif"), "rb") as f:
    b = bytearray(f.read())
n = int.from_bytes(b[ifd1:ifd1 + 2], "little")
b[ifd1 + 2 + 12 * n: ifd1 + 6 + 12 * n] = bytes(4)
with open(os.path.join(out, "ome_2of5.ome.tif"), "wb") as f:
    f.write(b)
emit("ome_2of5.ome.tif", npy=npy, planes=5, cut=True, source="OME-XML")
# 4. No metadata at all: one page per frame, each IFD before its strip, chain cut mid-file.
with tifffile.TiffWriter(os.path.join(out, "plain.tif")) as w:
    for f in frames:
        w.write(f, contiguous=False, metadata=None, description=None)
emit(cut_half("plain.tif"), npy=npy, planes=5, cut=True, source="IFD chain")

# Resolution tags: what counts as a physical calibration (pixelNm null = unknown).
plane = frames[0]
res_cases = [
    ("photo_72dpi.tif", dict(resolution=(72, 72), resolutionunit="INCH"), None),
    ("photo_96dpi.tif", dict(resolution=(96, 96), resolutionunit="INCH"), None),
    ("photo_300dpi.tif", dict(resolution=(300, 300), resolutionunit="INCH"), None),
    ("photo_300dpi_cm.tif", dict(resolution=(118.11, 118.11), resolutionunit="CENTIMETER"), None),
    ("photo_96dpi_gimp.tif", dict(resolution=(96, 96), resolutionunit="INCH", software="GIMP 2.10"), None),
    ("scope_cm_0.65um.tif", dict(resolution=(1e4 / 0.65, 1e4 / 0.65), resolutionunit="CENTIMETER"), 650.0),
    ("scope_inch_0.1um.tif", dict(resolution=(254000, 254000), resolutionunit="INCH"), 100.0),
    ("scope_um_unit.tif", dict(resolution=(1 / 0.108, 1 / 0.108), resolutionunit="MICROMETER"), 108.0),
    ("scope_mm_unit.tif", dict(resolution=(250, 250), resolutionunit="MILLIMETER"), 4000.0),
    # A stereo microscope's coarse 25.4 um pixel, written by microscopy software: trusted.
    ("stereo_nis_1000dpi.tif", dict(resolution=(1000, 1000), resolutionunit="INCH", software="NIS-Elements AR 5.30"), 25400.0),
    ("no_unit.tif", dict(resolution=(3, 3), resolutionunit="NONE"), None),
]
for name, kw, nm in res_cases:
    tifffile.imwrite(os.path.join(out, name), plane, metadata=None, **kw)
    emit(name, pixelNm=nm, ignored=nm is None and kw.get("resolutionunit") != "NONE")
# ImageJ saving a photo it opened calls the dpi unit "inch".
tifffile.imwrite(os.path.join(out, "ij_inch_300dpi.tif"), plane, imagej=True, resolution=(300, 300), metadata={"unit": "inch"})
emit("ij_inch_300dpi.tif", pixelNm=None, ignored=True)
tifffile.imwrite(os.path.join(out, "ij_micron.tif"), plane, imagej=True, resolution=(1 / 0.0046, 1 / 0.0046), metadata={"unit": "micron"})
emit("ij_micron.tif", pixelNm=4.6, ignored=False)
