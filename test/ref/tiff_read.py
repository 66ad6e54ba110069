"""Reference reading of TIFF files with tifffile (Debian's, without imagecodecs).

usage: tiff_read.py OUTDIR FILE[::SERIES]...
For each FILE (OME Image SERIES, default 0), writes OUTDIR/<i>.npy with the pixels in pssr's layout and prints one JSON line
per file: {"file", "npy", "axes", "dtype", "pixelSizeNm", "how"}.

pssr's layout is tifffile's first series with the sample axis (S) moved just before YX and
called C, generic page axes (Q, I) called Z. Where tifffile cannot decode a compression
(LZW, ZSTD, JPEG need imagecodecs) it reads an uncompressed copy made by libtiff's
`tiffcp -c none`; packed 10/12/14-bit samples, which tifffile cannot unpack either, are
unpacked here with numpy.unpackbits from the raw strips of that copy. Micro-Manager files are
read page by page following the OME-XML TiffData (tifffile's series zero-fills the parts it
looks for under the file's original name). A BinaryOnly OME-TIFF is read through its companion
file, each plane from its own file.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
import tifffile

UNIT_NM = {"pm": 1e-3, "nm": 1.0, "µm": 1e3, "um": 1e3, "micron": 1e3, "microns": 1e3, "\\u00B5m": 1e3,
           "mm": 1e6, "cm": 1e7, "m": 1e9, "inch": 2.54e7}


MICROSCOPY_SOFTWARE = (r"bio-?formats|\bome\b|micro-?manager|metamorph|metaseries|\bzen\b|zeiss|leica|\blas\b|"
                       r"nis-elements|nikon|cellsens|olympus|fluoview|andor|slidebook|volocity|hcimage|visiview|"
                       r"scanimage|prairie|imagej|fiji|aperio|hamamatsu|digitalmicrograph|gatan|\bfei\b|thermo|tescan|jeol")


def uncompressed_copy(path, tmpdir):
    out = os.path.join(tmpdir, os.path.basename(path) + ".none.tif")
    subprocess.run(["tiffcp", "-c", "none", path, out], check=True, capture_output=True)
    return out


def unpack_packed(page, fh):
    """Unpacks MSB-first packed unsigned samples of an uncompressed page; rows start on a byte."""
    bits = page.bitspersample
    spp = page.samplesperpixel
    planar = page.planarconfig == 2
    nsb = 1 if planar else spp
    rowbits = page.imagewidth * nsb * bits
    rowbytes = (rowbits + 7) // 8
    chunks = []
    for off, cnt in zip(page.dataoffsets, page.databytecounts):
        fh.seek(off)
        chunks.append(fh.read(cnt))
    raw = np.frombuffer(b"".join(chunks), np.uint8)
    nrows = page.imagelength * (spp if planar else 1)
    rows = raw[: nrows * rowbytes].reshape(nrows, rowbytes)
    bitarr = np.unpackbits(rows, axis=1)[:, :rowbits].reshape(nrows, page.imagewidth * nsb, bits)
    weights = (1 << np.arange(bits - 1, -1, -1)).astype(np.uint32)
    vals = (bitarr.astype(np.uint32) * weights).sum(-1).astype(np.uint16 if bits <= 16 else np.uint32)
    if planar:
        return vals.reshape(spp, page.imagelength, page.imagewidth), "SYX"
    if spp > 1:
        return vals.reshape(page.imagelength, page.imagewidth, spp), "YXS"
    return vals.reshape(page.imagelength, page.imagewidth), "YX"


def to_pssr(arr, axes):
    axes = axes.replace("Q", "Z").replace("I", "Z")
    if "S" in axes:
        i = axes.index("S")
        arr = np.moveaxis(arr, i, -3)
        axes = axes[:i] + axes[i + 1:]
        axes = axes[:-2] + "C" + axes[-2:]
    # squeeze size-1 leading axes, as pssr does
    keep = [k for k, (a, s) in enumerate(zip(axes, arr.shape)) if s > 1 or a in "YX"]
    arr = arr.reshape([arr.shape[k] for k in keep])
    axes = "".join(axes[k] for k in keep)
    return arr, axes


def ome_root(text):
    return ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)


def strip_ns(tag):
    return tag.split("}", 1)[-1]


def find_all(el, name):
    return [e for e in el.iter() if strip_ns(e.tag) == name]


def ome_pixel_size_nm(text, series=0):
    root = ome_root(text)
    images = find_all(root, "Image")
    if not images:
        return None
    px = find_all(images[series], "Pixels")[0]
    v = px.get("PhysicalSizeX")
    if v is None:
        return None
    return float(v) * UNIT_NM[px.get("PhysicalSizeXUnit", "µm")]


def ome_planes(root, series=0):
    """[(fileName or None, ifd)] in plane order, the shape and axes of OME Image `series`."""
    image = find_all(root, "Image")[series]
    px = find_all(image, "Pixels")[0]
    order = px.get("DimensionOrder")[2:]
    sizes = {k: int(px.get("Size" + k, 1)) for k in "ZCT"}
    stride, s = {}, 1
    for k in order:
        stride[k] = s
        s *= sizes[k]
    planes = [None] * s
    for td in find_all(px, "TiffData"):
        start = sum(int(td.get("First" + k, 0)) * stride[k] for k in "ZCT")
        uuid = [u for u in td if strip_ns(u.tag) == "UUID"]
        name = uuid[0].get("FileName") if uuid else None
        for k in range(int(td.get("PlaneCount", 1))):
            planes[start + k] = (name, int(td.get("IFD", 0)) + k)
    letters = order[::-1]
    return planes, [sizes[k] for k in letters], letters


def pixel_size_from_tags(page, imagej_unit=None):
    tags = page.tags
    if "XResolution" not in tags:
        return None
    num, den = tags["XResolution"].value
    if num == 0 or den == 0:
        return None
    res = num / den
    if imagej_unit is not None:
        return UNIT_NM[imagej_unit] / res if imagej_unit in UNIT_NM else None
    unit = int(tags["ResolutionUnit"].value) if "ResolutionUnit" in tags else 2
    # pssr's rule (docs/ARCHITECTURE.md): mm/um units (tifffile's 4, 5) always count; inch
    # and cm only below 10 um per pixel, or when Software names a microscopy program.
    nm_per_unit = {2: 2.54e7, 3: 1e7, 4: 1e6, 5: 1e3}.get(unit)
    if nm_per_unit is None:
        return None
    size = nm_per_unit / res
    software = str(tags["Software"].value) if "Software" in tags else ""
    microscopy = re.search(MICROSCOPY_SOFTWARE, software, re.I) is not None
    if unit in (2, 3) and size >= 10e3 and not microscopy:
        return None
    return size


def read_reference(path, tmpdir, series=0):
    how = "tifffile series[0]"
    with tifffile.TiffFile(path) as t:
        page0 = t.pages[0]
        descriptions = [tag.value for tag in page0.tags.values() if tag.code == 270]
        ome_text = next((d for d in descriptions if "<OME" in d), None)
        ij = t.imagej_metadata if t.is_imagej else None
        if ome_text is not None:
            root = ome_root(ome_text)
            binary_only = find_all(root, "BinaryOnly")
            if binary_only:
                companion = os.path.join(os.path.dirname(path), binary_only[0].get("MetadataFile"))
                croot = ET.parse(companion).getroot()
                planes, shape, letters = ome_planes(croot)
                stack = [tifffile.TiffFile(os.path.join(os.path.dirname(path), n)).pages[i].asarray() for n, i in planes]
                arr = np.stack(stack).reshape(shape + list(stack[0].shape))
                axes = letters + "YX"
                return (*to_pssr(arr, axes), None, "tifffile pages listed by the companion OME-XML")
            if t.is_micromanager or series:
                planes, shape, letters = ome_planes(root, series)
                stack = [t.pages[i].asarray() for _, i in planes]
                arr = np.stack(stack).reshape(shape + list(stack[0].shape))
                return (*to_pssr(arr, letters + "YX"), ome_pixel_size_nm(ome_text, series),
                        f"tifffile page by page (OME TiffData IFDs of Image {series})")
            s = t.series[0]
            return (*to_pssr(s.asarray(), s.axes), ome_pixel_size_nm(ome_text), how)
        if ij is not None:
            unit = ij.get("unit")
            psize = pixel_size_from_tags(page0, unit) if unit else pixel_size_from_tags(page0)
            try:
                s = t.series[0]
                arr, axes = s.asarray(), s.axes
            except Exception:
                n = int(ij.get("images", len(t.pages)))
                arr = np.stack([t.pages[i].asarray() for i in range(n)])
                sizes = [int(ij.get(k, 1)) for k in ("frames", "slices", "channels")]
                arr = arr.reshape(sizes + list(arr.shape[1:]))
                axes = "TZC" + ("YXS" if arr.ndim == 6 else "YX")
                how = "tifffile page by page, ImageJ sizes (series failed)"
            return (*to_pssr(arr, axes), psize, how)
        psize = pixel_size_from_tags(page0)
        s = t.series[0]
        try:
            return (*to_pssr(s.asarray(), s.axes), psize, how)
        except Exception:
            pass
        axes_series = s.axes
        npages = len(s.pages) if hasattr(s, "pages") else 1
    copy = uncompressed_copy(path, tmpdir)
    with tifffile.TiffFile(copy) as t:
        s = t.series[0]
        try:
            return (*to_pssr(s.asarray(), axes_series), psize, "tifffile on a tiffcp -c none copy")
        except Exception:
            arrs = []
            with open(copy, "rb") as fh:
                for i in range(npages):
                    a, pax = unpack_packed(t.pages[i], fh)
                    arrs.append(a)
            arr = np.stack(arrs) if npages > 1 else arrs[0]
            axes = ("Z" if npages > 1 else "") + pax
            return (*to_pssr(arr, axes), psize, "numpy.unpackbits on the raw strips of a tiffcp -c none copy")


def main():
    outdir = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmpdir:
        for k, arg in enumerate(sys.argv[2:]):
            path, _, series = arg.partition("::")
            try:
                arr, axes, psize, how = read_reference(path, tmpdir, int(series or 0))
            except Exception as e:  # report, let the test decide
                print(json.dumps({"file": arg, "error": f"{type(e).__name__}: {e}"}))
                continue
            if arr.dtype == bool:
                arr = arr.astype(np.uint8)
            npy = os.path.join(outdir, f"{k}.npy")
            np.save(npy, np.ascontiguousarray(arr))
            print(json.dumps({"file": arg, "npy": npy, "axes": axes, "dtype": str(arr.dtype),
                              "shape": list(arr.shape), "pixelSizeNm": psize, "how": how}))


if __name__ == "__main__":
    main()
