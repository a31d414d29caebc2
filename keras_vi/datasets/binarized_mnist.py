"""Statically binarized MNIST (Larochelle and Murray, 2011): 50,000 / 10,000 / 10,000 images.

The standard likelihood benchmark: each MNIST pixel drawn once as Bernoulli(intensity / 255),
train the first 50,000 MNIST training images, validation the last 10,000, test the 10,000
test images. Read from `data_dir` in either published form, both checked by one content
checksum: the text `.amat` files of the original site (and TFDS), one image of 784
space-separated 0/1 per line, and MATLAB `.mat` copies (`X`: uint8 (N, 784)). Without
`data_dir`, through TFDS `binarized_mnist`, after a quick check that its host answers.
"""

import hashlib
import os
import socket

import numpy as np

# split -> (file stem, rows, md5 of the uint8 (rows, 784) content, sha256 of the text .amat).
# The content md5s are those of ../shared/data/README.md; written as text, that data gives
# byte for byte the sha256s that TFDS publishes for Larochelle's .amat files.
FILES = {
    "train": ("binarized_mnist_train", 50000, "8d4f0427d6c2572b5e9994e08bad66de",
              "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d"),
    "validation": ("binarized_mnist_valid", 10000, "3e33becd40c694040e5e6c812e2f4b50",
                   "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2"),
    "test": ("binarized_mnist_test", 10000, "fc34623e13bd64fed2f8b61365198339",
             "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c"),
}
SUBDIRS = ("binarized-mnist", "binarized_mnist")
TFDS_HOST = ("www.cs.toronto.edu", 80)  # where TFDS downloads the .amat files from
_MATLAB_MAGIC = b"MATLAB"


def find_file(data_dir, split):
    """The path of `split`'s file (.amat or .mat) in `data_dir` or its binarized-mnist/ folder."""
    if not os.path.isdir(data_dir):
        raise FileNotFoundError(
            f"`data_dir` {data_dir!r} is not a directory; it must hold the binarized MNIST "
            f"files (binarized_mnist_{{train,valid,test}}.amat or .mat), or a subfolder "
            f"{SUBDIRS[0]!r} with them."
        )
    stem = FILES[split][0]
    folders = [data_dir] + [os.path.join(data_dir, s) for s in SUBDIRS]
    for folder in folders:
        for suffix in (".amat", ".mat"):
            path = os.path.join(folder, stem + suffix)
            if os.path.isfile(path):
                return path
    raise FileNotFoundError(f"No {stem}.amat or {stem}.mat for split {split!r} in {folders} (`data_dir`).")


def _parse_text(data, path):
    """The text form: one image per line, 784 values 0 or 1 separated by spaces."""
    chars = np.frombuffer(data, dtype=np.uint8)
    is_value = ~np.isin(chars, np.frombuffer(b" \t\r\n", dtype=np.uint8))
    values = chars[is_value] - ord("0")
    if values.size % 784 or np.any(values > 1) or np.any(is_value[1:] & is_value[:-1]):
        raise ValueError(f"{path} is corrupt: not rows of 784 values 0 or 1.")
    return values.reshape(-1, 784)


def _parse_matlab(path):
    import scipy.io

    try:
        x = scipy.io.loadmat(path)["X"]
    except Exception as e:  # scipy raises several types for a damaged file
        raise ValueError(f"{path} is corrupt: {e}") from None
    return np.ascontiguousarray(x, dtype=np.uint8)


def read_split(data_dir, split):
    """`split`'s images, uint8 (N, 28, 28) of 0 and 1, checked against the published checksum."""
    path = find_file(data_dir, split)
    with open(path, "rb") as f:
        data = f.read()
    # the same name serves both forms: ARM-gradient's copies named .amat are MATLAB files
    x = _parse_matlab(path) if data.startswith(_MATLAB_MAGIC) else _parse_text(data, path)
    _, rows, content_md5, _ = FILES[split]
    if x.shape != (rows, 784) or hashlib.md5(x.tobytes()).hexdigest() != content_md5:
        raise ValueError(
            f"{path} is corrupt or not the standard binarized MNIST {split!r} split: expected "
            f"({rows}, 784) values with md5 {content_md5}, got {x.shape}."
        )
    return x.reshape(rows, 28, 28)


def host_answers(host=TFDS_HOST, timeout=3.0):
    """True when a TCP connection to TFDS' download host opens within `timeout` seconds."""
    try:
        socket.create_connection(host, timeout=timeout).close()
    except OSError:
        return False
    return True


def load_through_tfds(split):
    """`split` through TFDS (downloaded once into its data directory); fails fast offline."""
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise ValueError(
            "`data_dir` is not set, and tensorflow-datasets is not installed to download "
            "binarized MNIST: install it, or pass the directory of its files as `data_dir`."
        ) from None
    if not tfds.builder("binarized_mnist").is_prepared() and not host_answers():
        # TFDS itself retries for minutes before it gives up
        raise ValueError(
            "`data_dir` is not set, and binarized MNIST is neither in TFDS' data directory nor "
            f"downloadable ({TFDS_HOST[0]} does not answer: offline?). Put "
            "binarized_mnist_{train,valid,test}.amat (or .mat) in a directory and pass it as `data_dir`."
        )
    examples = tfds.as_numpy(tfds.load("binarized_mnist", split=split))
    images = np.stack([ex["image"] for ex in examples])
    return images.reshape(len(images), 28, 28).astype(np.uint8)
