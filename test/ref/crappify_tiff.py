"""TIFF helper for the crappify CLI tests, on tifffile (independent of our reader/writer).

crappify_tiff.py read PATH      -> JSON {shape, dtype, meta (tag 65000 JSON or null), frame_sums, sha}
crappify_tiff.py make PATH KIND -> writes a test input: KIND nan (64x64 float32 with a NaN),
                                   tiny (3x3 uint8)
"""
import hashlib
import json
import sys

import numpy as np
import tifffile

mode, path = sys.argv[1], sys.argv[2]
if mode == "read":
    with tifffile.TiffFile(path) as t:
        a = t.asarray()
        tag = t.pages[0].tags.get(65000)
        meta = None
        if tag is not None:
            v = tag.value
            meta = json.loads(v.decode() if isinstance(v, bytes) else v)
    frames = a.reshape((-1,) + a.shape[-2:])
    print(json.dumps({
        "shape": list(a.shape),
        "dtype": str(a.dtype),
        "meta": meta,
        "frame_sums": [float(f.astype(np.float64).sum()) for f in frames],
        "sha": hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest(),
    }))
elif mode == "make":
    kind = sys.argv[3]
    if kind == "nan":
        a = np.random.default_rng(0).random((64, 64)).astype(np.float32)
        a[10, 20] = np.nan
    elif kind == "tiny":
        a = np.arange(9, dtype=np.uint8).reshape(3, 3)
    else:
        raise SystemExit("unknown kind " + kind)
    tifffile.imwrite(path, a)
    print(json.dumps({"ok": True}))
