"""Writes TIFF variants the shared data lacks, with tifffile (and libtiff's tiffcp for
big-endian LZW with predictors), and reports what each holds.

usage: tiff_make.py OUTDIR
Prints one JSON line per file: {"file", "npy", "axes", "dtype", "pixelSizeNm", "zSpacingNm",
"frameIntervalS"}; "npy" holds the array tifffile reads back from the file, in pssr's layout.
"""
import json
import os
import subprocess
import sys

import numpy as np
import tifffile

out = sys.argv[1]
rng = np.random.default_rng(7)
cases = []


def report(name, axes, pixel_nm=None, z_nm=None, finterval=None, read_axes=None):
    path = os.path.join(out, name)
    with tifffile.TiffFile(path) as t:
        arr = t.series[0].asarray()
        saxes = t.series[0].axes
    if "S" in saxes:  # samples -> C before YX
        i = saxes.index("S")
        arr = np.moveaxis(arr, i, -3)
    npy = os.path.join(out, name + ".npy")
    # float16 is saved widened to float32 (exact) for the reader on the other side.
    np.save(npy, np.ascontiguousarray(arr.astype(np.float32) if arr.dtype == np.float16 else arr))
    print(json.dumps({"file": path, "npy": npy, "axes": axes, "dtype": str(arr.dtype), "shape": list(arr.shape),
                      "tifffileAxes": saxes, "pixelSizeNm": pixel_nm, "zSpacingNm": z_nm, "frameIntervalS": finterval}))


def noise(shape, dtype):
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    if info is not None:
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return (rng.standard_normal(shape) * 100).astype(dtype)


# Sample types the shared data does not have.
for dtype in ["int16", "int32", "uint32", "float64", "float16"]:
    tifffile.imwrite(os.path.join(out, f"{dtype}.tif"), noise((3, 17, 23), np.dtype(dtype)), photometric="minisblack")
    report(f"{dtype}.tif", "ZYX")

# Big-endian BigTIFF, tiled, multi-page.
tifffile.imwrite(os.path.join(out, "be_bigtiff_tiled.tif"), noise((4, 40, 50), np.dtype("uint16")), byteorder=">", bigtiff=True, tile=(16, 16), photometric="minisblack")
report("be_bigtiff_tiled.tif", "ZYX")

# Deflate with horizontal predictor, 16 bit, little-endian.
tifffile.imwrite(os.path.join(out, "deflate_pred2_u16.tif"), noise((30, 41), np.dtype("uint16")), compression="zlib", predictor=True)
report("deflate_pred2_u16.tif", "YX")

# Big-endian signed 16-bit, deflate with horizontal predictor (tifffile decodes it itself).
tifffile.imwrite(os.path.join(out, "be_deflate_pred2_i16.tif"), noise((2, 20, 30), np.dtype("int16")), compression="zlib", predictor=True, byteorder=">")
report("be_deflate_pred2_i16.tif", "ZYX")

# Big-endian LZW with predictor 2 (uint16), re-encoded by libtiff.
src16 = os.path.join(out, "src_u16.tif")
tifffile.imwrite(src16, (np.arange(37 * 29, dtype=np.uint32) * 977 % 65536).astype(np.uint16).reshape(37, 29))
subprocess.run(["tiffcp", "-B", "-c", "lzw:2", "-r", "8", src16, os.path.join(out, "be_lzw_pred2_u16.tif")], check=True)
# (Big-endian predictor 3 is left out: libtiff's own tiffcp -B -c lzw:3 does not read back equal.)
for name, src, axes in [("be_lzw_pred2_u16.tif", src16, "YX")]:
    # tifffile cannot decode LZW here: its reading of the uncompressed source is the reference.
    path = os.path.join(out, name)
    arr = tifffile.imread(src)
    npy = path + ".npy"
    np.save(npy, arr)
    print(json.dumps({"file": path, "npy": npy, "axes": axes, "dtype": str(arr.dtype), "shape": list(arr.shape),
                      "tifffileAxes": "(uncompressed source)", "pixelSizeNm": None, "zSpacingNm": None, "frameIntervalS": None}))

# ImageJ hyperstack with calibration, written by tifffile.
ij = noise((3, 4, 2, 20, 24), np.dtype("uint16"))
tifffile.imwrite(os.path.join(out, "imagej_tzc.tif"), ij, imagej=True, resolution=(1 / 0.1625, 1 / 0.1625),
                 metadata={"axes": "TZCYX", "unit": "um", "spacing": 0.5, "finterval": 1.5})
report("imagej_tzc.tif", "TZCYX", pixel_nm=162.5, z_nm=500.0, finterval=1.5)

# OME-TIFF with physical sizes in nm, CZYX.
ome = noise((2, 3, 16, 20), np.dtype("uint8"))
tifffile.imwrite(os.path.join(out, "ome_czyx.ome.tif"), ome, ome=True,
                 metadata={"axes": "CZYX", "PhysicalSizeX": 65.0, "PhysicalSizeXUnit": "nm", "PhysicalSizeY": 65.0,
                           "PhysicalSizeYUnit": "nm", "PhysicalSizeZ": 0.2, "PhysicalSizeZUnit": "µm"})
report("ome_czyx.ome.tif", "CZYX", pixel_nm=65.0, z_nm=200.0)

# Resolution tags in centimetres (no ImageJ/OME metadata): 40000 px/cm = 0.25 µm.
tifffile.imwrite(os.path.join(out, "res_cm.tif"), noise((12, 13), np.dtype("uint8")), resolution=(40000, 40000), resolutionunit="CENTIMETER")
report("res_cm.tif", "YX", pixel_nm=250.0)

# Planar RGB, tiled.
tifffile.imwrite(os.path.join(out, "rgb_planar_tiled.tif"), noise((3, 32, 48), np.dtype("uint8")), photometric="rgb", planarconfig="separate", tile=(16, 16))
report("rgb_planar_tiled.tif", "CYX")

# ImageJ file with one IFD and the planes back to back (how ImageJ stores files over 4 GB).
ijt = noise((5, 3, 12, 14), np.dtype("float32"))
tifffile.imwrite(os.path.join(out, "imagej_truncated.tif"), ijt, imagej=True, truncate=True, metadata={"axes": "TCYX"})
with tifffile.TiffFile(os.path.join(out, "imagej_truncated.tif")) as t:
    assert len(t.pages) == 1, "truncated ImageJ file should hold one IFD"
report("imagej_truncated.tif", "TCYX")

# JPEG in YCbCr with 4:2:0 chroma (libtiff's default for tiffcp -c jpeg on RGB); reference:
# libtiff's own decoding to RGB (tiffcp -c none), read by tifffile.
yy, xx = np.mgrid[0:40, 0:56]
rgb = np.stack([(127 + 120 * np.sin(xx / 5.0)), (127 + 120 * np.cos(yy / 4.0)), (xx * 4 + yy) % 256], -1).astype(np.uint8)
srcrgb = os.path.join(out, "src_rgb.tif")
tifffile.imwrite(srcrgb, rgb, photometric="rgb")
ycc = os.path.join(out, "jpeg_ycbcr.tif")
subprocess.run(["tiffcp", "-c", "jpeg", "-r", "16", srcrgb, ycc], check=True)
subprocess.run(["tiffcp", "-c", "none", ycc, ycc + ".none.tif"], check=True)
with tifffile.TiffFile(ycc) as t:
    assert t.pages[0].photometric == 6, "YCbCr photometric"
arr = np.moveaxis(tifffile.imread(ycc + ".none.tif"), -1, 0)
np.save(ycc + ".npy", np.ascontiguousarray(arr))
print(json.dumps({"file": ycc, "npy": ycc + ".npy", "axes": "CYX", "dtype": "uint8", "shape": list(arr.shape),
                  "tifffileAxes": "(libtiff-decoded copy)", "pixelSizeNm": None, "zSpacingNm": None, "frameIntervalS": None}))

# PackBits, made by libtiff (tifffile decodes PackBits itself).
src8 = os.path.join(out, "src_u8.tif")
tifffile.imwrite(src8, rng.integers(0, 4, (2, 21, 33), dtype=np.uint8))
subprocess.run(["tiffcp", "-c", "packbits", src8, os.path.join(out, "packbits.tif")], check=True)
report("packbits.tif", "ZYX")

# Bilevel (1 bit per sample, rows padded to a byte): tifffile returns bool, pssr uint8 0/1.
tifffile.imwrite(os.path.join(out, "bilevel.tif"), rng.integers(0, 2, (21, 35)).astype(bool))
with tifffile.TiffFile(os.path.join(out, "bilevel.tif")) as t:
    assert t.pages[0].bitspersample == 1
    bits = t.asarray().astype(np.uint8)
np.save(os.path.join(out, "bilevel.tif.npy"), bits)
print(json.dumps({"file": os.path.join(out, "bilevel.tif"), "npy": os.path.join(out, "bilevel.tif.npy"), "axes": "YX",
                  "dtype": "uint8", "shape": list(bits.shape), "tifffileAxes": "YX (bool)", "pixelSizeNm": None,
                  "zSpacingNm": None, "frameIntervalS": None}))

# A large LZW strip of noisy 16-bit data (the dictionary fills and is cleared many times).
srcbig = os.path.join(out, "src_noisy_u16.tif")
tifffile.imwrite(srcbig, (rng.standard_normal((512, 512)) * 300 + 2000).astype(np.uint16))
subprocess.run(["tiffcp", "-c", "lzw", "-r", "512", srcbig, os.path.join(out, "lzw_one_strip_u16.tif")], check=True)
arr = tifffile.imread(srcbig)
np.save(os.path.join(out, "lzw_one_strip_u16.tif.npy"), arr)
print(json.dumps({"file": os.path.join(out, "lzw_one_strip_u16.tif"), "npy": os.path.join(out, "lzw_one_strip_u16.tif.npy"),
                  "axes": "YX", "dtype": "uint16", "shape": list(arr.shape), "tifffileAxes": "(uncompressed source)",
                  "pixelSizeNm": None, "zSpacingNm": None, "frameIntervalS": None}))
