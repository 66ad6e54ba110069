"""References for pixel-size matching (pssr predict's resampling onto the model's grid).

usage: pixel_match.py write SRC.tif OUT.tif PIXEL_NM Y X   crop SRC to YxX, write an ImageJ TIFF
                                                            with PIXEL_NM pixels (0: no size)
       pixel_match.py info FILE.tif                        JSON: shape, dtype, pixel size in nm
       pixel_match.py resample IN.tif FACTOR OUT.raw       float32 reference: enlarging with
           skimage.transform.rescale(order=3, mode="reflect", anti_aliasing=False), shrinking
           with torch interpolate(mode="area") to round-half-even(in * FACTOR)
"""
import json
import sys

import numpy as np
import tifffile

UNIT_NM = {"nm": 1.0, "um": 1e3, "micron": 1e3, "\\u00B5m": 1e3, "µm": 1e3, "mm": 1e6}

cmd = sys.argv[1]
if cmd == "write":
    src, out, nm, y, x = sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    a = tifffile.imread(src)[:y, :x]
    if nm > 0:
        um = nm / 1000
        tifffile.imwrite(out, a, imagej=True, resolution=(1 / um, 1 / um), metadata={"unit": "um"})
    else:
        tifffile.imwrite(out, a)
elif cmd == "info":
    with tifffile.TiffFile(sys.argv[2]) as t:
        p = t.pages[0]
        ij = t.imagej_metadata or {}
        nm = None
        if "XResolution" in p.tags and ij.get("unit") in UNIT_NM:
            num, den = p.tags["XResolution"].value
            nm = den / num * UNIT_NM[ij["unit"]]
        s = t.series[0]
        print(json.dumps({"shape": list(s.shape), "dtype": str(s.dtype), "pixelSizeNm": nm}))
elif cmd == "resample":
    a = tifffile.imread(sys.argv[2]).astype(np.float32)
    f = float(sys.argv[3])
    if f > 1:
        from skimage.transform import rescale
        r = rescale(a.astype(np.float64), f, order=3, mode="reflect", anti_aliasing=False)
    else:
        import torch
        size = tuple(int(np.round(n * f)) for n in a.shape)
        r = torch.nn.functional.interpolate(torch.from_numpy(a.astype(np.float64))[None, None], size=size, mode="area")[0, 0].numpy()
    r.astype(np.float32).tofile(sys.argv[4])
    print(json.dumps({"shape": list(r.shape)}))
