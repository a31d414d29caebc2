"""Readers for the original IDX files of MNIST and Fashion-MNIST."""

import gzip
import hashlib
import os
import zlib

import numpy as np

# (file name, md5 of the .gz as published, md5 of the decompressed bytes).
# A file passes when either matches: a re-gzipped copy (Debian's
# dataset-fashion-mnist) has other .gz bytes but the same content. None: not
# published in ../shared/data/README.md, so that check is not available.
IDX_FILES = {
    "mnist": {
        ("train", "images"): (
            "train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873", None
        ),
        ("train", "labels"): (
            "train-labels-idx1-ubyte",
            "d53e105ee54ea40749a09fcbcd1e9432",
            "a25bea736e30d166cdddb491f175f624",
        ),
        ("test", "images"): (
            "t10k-images-idx3-ubyte",
            "9fb629c4189551a2d022fa330f9573f3",
            "2646ac647ad5339dbf082846283269ea",
        ),
        ("test", "labels"): (
            "t10k-labels-idx1-ubyte",
            "ec29112dd5afa0611ce80d1b7f02629c",
            "27ae3e4e09519cfbb04c329615203637",
        ),
    },
    "fashion_mnist": {
        ("train", "images"): (
            "train-images-idx3-ubyte",
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        ),
        ("train", "labels"): (
            "train-labels-idx1-ubyte",
            "25c81989df183df01b3e8a0aad5dffbe",
            "9018921c3c673c538a1fc5bad174d6f9",
        ),
        ("test", "images"): (
            "t10k-images-idx3-ubyte",
            "bef4ecab320f06d8554ea6380940ec79",
            "8181f5470baa50b63fa0f6fddb340f0a",
        ),
        ("test", "labels"): (
            "t10k-labels-idx1-ubyte",
            "bb300cfdad3c16e7a12a480ee83cd310",
            "15d484375f8d13e6eb1aabb0c3f46965",
        ),
    },
}
SUBDIRS = {"mnist": ("mnist",), "fashion_mnist": ("fashion-mnist", "fashion_mnist")}


def parse_idx(data, path):
    """Parses IDX bytes (uint8 payload) into an array; raises on a bad header."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not a uint8 IDX file (bad magic number).")
    ndim = data[3]
    offset = 4 + 4 * ndim
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if len(data) != offset + int(np.prod(dims)):
        raise ValueError(
            f"{path} is truncated or corrupt: header says {dims}, "
            f"payload has {len(data) - offset} bytes."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def find_idx_file(name, data_dir, split, kind):
    """Returns the path of an IDX file (.gz or plain) under `data_dir`."""
    if not os.path.isdir(data_dir):
        raise FileNotFoundError(
            f"`data_dir` {data_dir!r} is not a directory; it must hold the IDX "
            f"files of {name} (or a subfolder {SUBDIRS[name][0]!r} with them)."
        )
    filename = IDX_FILES[name][(split, kind)][0]
    folders = [data_dir] + [os.path.join(data_dir, s) for s in SUBDIRS[name]]
    for folder in folders:
        for candidate in (filename + ".gz", filename):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
    raise FileNotFoundError(
        f"No {filename}[.gz] for {name!r} split {split!r} in {folders} "
        "(`data_dir`)."
    )


def read_idx_file(name, data_dir, split, kind):
    """Reads and checksums one IDX file; returns a uint8 array."""
    path = find_idx_file(name, data_dir, split, kind)
    _, gz_md5, raw_md5 = IDX_FILES[name][(split, kind)]
    with open(path, "rb") as f:
        stored = f.read()
    is_gz = path.endswith(".gz")
    try:
        data = gzip.decompress(stored) if is_gz else stored
    except (OSError, EOFError, zlib.error) as e:  # a bad header, a cut stream, damaged data
        raise ValueError(f"{path} is corrupt: {e}") from None
    ok = (is_gz and hashlib.md5(stored).hexdigest() == gz_md5) or (
        raw_md5 is not None and hashlib.md5(data).hexdigest() == raw_md5
    )
    if not ok:
        raise ValueError(
            f"{path} is corrupt or not the original file: its md5 matches neither "
            f"the published .gz ({gz_md5}) nor the content ({raw_md5})."
        )
    return parse_idx(data, path)
