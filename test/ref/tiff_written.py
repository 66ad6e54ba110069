"""What tifffile reads from TIFF files pssr wrote.

usage: tiff_written.py OUTDIR FILE...
Prints one JSON line per file: ImageJ flag and metadata, series shape/axes/dtype, resolution
tags, the private pssr tag 65000, and OUTDIR/<i>.npy holding tifffile's pixels.
"""
import json
import os
import sys

import numpy as np
import tifffile

outdir = sys.argv[1]
for k, path in enumerate(sys.argv[2:]):
    with tifffile.TiffFile(path) as t:
        s = t.series[0]
        arr = s.asarray()
        p = t.pages[0]
        ij = t.imagej_metadata or {}
        ij = {key: (v if isinstance(v, (int, float, str, bool)) else str(v)) for key, v in ij.items()}
        npy = os.path.join(outdir, f"w{k}.npy")
        np.save(npy, np.ascontiguousarray(arr))
        print(json.dumps({
            "file": path,
            "npy": npy,
            "isImagej": bool(t.is_imagej),
            "imagej": ij,
            "shape": list(s.shape),
            "axes": s.axes,
            "dtype": str(arr.dtype),
            "pages": len(t.pages),
            "xResolution": list(p.tags["XResolution"].value) if "XResolution" in p.tags else None,
            "yResolution": list(p.tags["YResolution"].value) if "YResolution" in p.tags else None,
            "resolutionUnit": int(p.tags["ResolutionUnit"].value) if "ResolutionUnit" in p.tags else None,
            "pssrTag": p.tags[65000].value if 65000 in p.tags else None,
        }))
