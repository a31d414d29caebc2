"""`keras_vi.datasets.load`: embedded, local-file and TFDS image datasets."""

import re

import numpy as np

from keras_vi.datasets import binarized_mnist, idx
from keras_vi.datasets.batches import Batches
from keras_vi.datasets.spoken_digit import load_spoken_digit, mu_law_encode
from keras_vi.utils import check_choice, check_positive_int, tensorflow_installed

BINARIZE = (None, "static", "dynamic")
_SPLIT = re.compile(r"^(train|validation|test)(?:\[(-?\d*):(-?\d*)(?::(\d*))?\])?$")


def _parse_split(split):
    match = _SPLIT.match(split) if isinstance(split, str) else None
    if match is None:
        raise ValueError(
            "`split` must be 'train', 'validation' or 'test', optionally sliced like "
            f"'test[:8000]', 'test[8000:]' or 'test[::10]', got {split!r}."
        )
    base, start, stop, step = match.groups()
    start = int(start) if start else None
    stop = int(stop) if stop else None
    step = int(step) if step else None
    if step == 0:
        raise ValueError(f"`split` {split!r}: a slice's step must be positive.")
    return base, slice(start, stop, step)


def _load_digits(base):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.uint8)  # (1797, 8, 8), grey levels 0..16
    # A fixed permutation, then 80% train / 20% test: digits ships unsplit.
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(0.8 * len(images))
    keep = order[:cut] if base == "train" else order[cut:]
    return images[keep], digits.target[keep].astype(np.int64), 16.0


def _load_keras(name, base):
    """MNIST or Fashion-MNIST through `keras.datasets` (downloaded once, cached in ~/.keras)."""
    import keras

    loader = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist}[name]
    try:
        train, test = loader.load_data()
    except Exception as e:  # keras raises a bare Exception for a failed download
        files = sorted({entry[0] + ".gz" for entry in idx.IDX_FILES[name].values()})
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(
            f"`data_dir` is not set, and keras.datasets could not download {name!r} "
            f"({reason}). Offline, put its IDX files ({', '.join(files)}) in a "
            "directory and pass it as `data_dir`."
        ) from e
    images, labels = train if base == "train" else test
    return images, labels.astype(np.int64), 255.0


def _load_idx(name, base, data_dir):
    if data_dir is None:
        return _load_keras(name, base)
    images = idx.read_idx_file(name, data_dir, base, "images")
    labels = idx.read_idx_file(name, data_dir, base, "labels").astype(np.int64)
    return images, labels, 255.0


def _load_tfds(name, base, data_dir):
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise ValueError(
            f"`name` {name!r} is not a keras_vi dataset ({sorted(LOCAL)}) and "
            "tensorflow-datasets is not installed to look it up."
        ) from None
    try:
        # Iterated example by example: `batch_size=-1` crashes TFDS' mock data.
        examples = list(tfds.as_numpy(tfds.load(name, split=base, data_dir=data_dir)))
    except Exception as e:  # TFDS raises many types (network, registry, ...)
        raise ValueError(
            f"`name`: tensorflow-datasets could not load {name!r} split {base!r}: "
            f"{str(e).splitlines()[0] if str(e) else type(e).__name__}. Offline, use 'mnist' or 'fashion_mnist' with `data_dir`."
        ) from e
    if not examples or not isinstance(examples[0], dict) or "image" not in examples[0]:
        raise ValueError(f"TFDS dataset {name!r} split {base!r} has no 'image' feature.")
    images = np.stack([ex["image"] for ex in examples])
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]  # (N, H, W, 1) -> (N, H, W), like the IDX files
    labels = np.array([ex.get("label", -1) for ex in examples], dtype=np.int64)
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    return images, labels, scale


def _load_binarized_mnist(base, data_dir):
    if data_dir is None:
        images = binarized_mnist.load_through_tfds(base)
    else:
        images = binarized_mnist.read_split(data_dir, base)
    return images, np.full(len(images), -1, dtype=np.int64), 1.0  # no labels are published


LOCAL = {
    "digits": lambda base, data_dir: _load_digits(base),
    "binarized_mnist": _load_binarized_mnist,
    "mnist": lambda base, data_dir: _load_idx("mnist", base, data_dir),
    "fashion_mnist": lambda base, data_dir: _load_idx("fashion_mnist", base, data_dir),
}


def load(
    name,
    split="train",
    data_dir=None,
    scale=True,
    binarize=None,
    batch_size=None,
    shuffle=False,
    seed=0,
    with_labels=False,
    flatten=False,
    as_tf_dataset=None,
):
    """Loads an image dataset as NumPy arrays or a batched `tf.data.Dataset`.

    Names: `"digits"` (scikit-learn's bundled 8x8 digits, no download: the
    default everywhere), `"mnist"` and `"fashion_mnist"` (the original IDX
    files, optionally gzipped, in `data_dir` or its `mnist/` or
    `fashion-mnist/` subfolder, checked against the published md5s; without
    `data_dir`, downloaded once through `keras.datasets` and cached under
    ~/.keras), `"binarized_mnist"` (the statically binarized MNIST of
    Larochelle and Murray, 2011: 50,000 train, 10,000 validation, 10,000 test
    images of 0 and 1, no labels; its `.amat` text or `.mat` files in
    `data_dir` or its `binarized-mnist/` subfolder, checked by checksum;
    without `data_dir`, through TFDS, failing within seconds when offline),
    `"spoken_digit"` (the Free Spoken Digit Dataset's 8 kHz recordings,
    (N, 8000, 1) in [-1, 1], or with `scale=False` their 8-bit μ-law codes
    (uint8, `mu_law_encode`); labels the digits; see `load_spoken_digit`),
    and any other name, or `"tfds:NAME"`, through tensorflow-datasets.

    Args:
        name: dataset name.
        split: `"train"` or `"test"` (and `"validation"` for binarized_mnist),
            optionally sliced: `"test[:8000]"`. digits ships unsplit: train
            and test are a fixed 80/20 split.
        data_dir: directory of the dataset's files (or TFDS' data directory).
        scale: if True, pixels become float32 in [0, 1]; else raw uint8.
        binarize: None; `"static"` (one fixed Bernoulli draw per pixel, with
            `seed`); or `"dynamic"` (a new draw every epoch; needs
            `batch_size`). Needs `scale=True`.
        batch_size: None for NumPy arrays; an int for batches that `fit`
            takes on every backend: a `keras_vi.datasets.Batches`
            (`keras.utils.PyDataset`, no TensorFlow needed), or the same
            batches as a `tf.data.Dataset` (see `as_tf_dataset`).
        shuffle: shuffle the dataset every epoch (with `batch_size`).
        seed: seed of static binarization and of the dataset's randomness.
        with_labels: also return the labels: `(x, y)` or a dataset of pairs.
        flatten: if True, each image becomes a vector (N, H * W).
        as_tf_dataset: with `batch_size`: True for a `tf.data.Dataset`, False
            for the `Batches` (importing no TensorFlow); None (the default):
            a `tf.data.Dataset` when TensorFlow is installed.

    Returns:
        `x` or `(x, y)` as NumPy arrays, shaped (N, H, W); or the batches.
    """
    check_choice(binarize, "binarize", BINARIZE)
    base, window = _parse_split(split)
    if name == "spoken_digit" and (binarize is not None or flatten):
        raise ValueError("`name` 'spoken_digit' takes no `binarize` or `flatten`: its examples are "
                         "(8000, 1) waveforms.")
    if binarize is not None and not scale:
        raise ValueError("`binarize` needs `scale=True` (pixel probabilities).")
    if binarize == "dynamic" and batch_size is None:
        raise ValueError(
            "`binarize='dynamic'` draws new pixels every epoch, so it needs "
            "`batch_size` (batches redrawn each epoch); use 'static' for NumPy arrays."
        )
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    if not isinstance(name, str):
        raise ValueError(f"`name` must be a string, got {name!r}.")
    if name == "spoken_digit":
        data = load_spoken_digit(base, data_dir)
        images, labels, max_value = data.audio, data.labels, None
    elif name.startswith("tfds:"):
        images, labels, max_value = _load_tfds(name[5:], base, data_dir)
    elif name in LOCAL:
        if base == "validation" and name != "binarized_mnist":
            raise ValueError(f"`split`: {name!r} has no 'validation' split (binarized_mnist has).")
        images, labels, max_value = LOCAL[name](base, data_dir)
    else:
        images, labels, max_value = _load_tfds(name, base, data_dir)
    images, labels = images[window], labels[window]
    if len(images) == 0:
        raise ValueError(f"`split` {split!r} selects no example of {name!r}.")
    if max_value is None:  # waveforms in [-1, 1]; scale=False: their 8-bit μ-law codes (WaveNet's 256 classes)
        x = images if scale else mu_law_encode(images).astype(np.uint8)
    else:
        x = images.astype(np.float32) / np.float32(max_value) if scale else images
    if flatten:
        x = x.reshape(len(x), -1)
    if binarize == "static":
        x = (np.random.default_rng(seed).uniform(size=x.shape) < x).astype(np.float32)
    if batch_size is None:
        return (x, labels) if with_labels else x
    batches = Batches(x, labels if with_labels else None, batch_size=batch_size,
                      shuffle=shuffle, binarize=binarize == "dynamic", seed=seed)
    if as_tf_dataset is None:
        as_tf_dataset = tensorflow_installed()
    return _as_tf_dataset(batches) if as_tf_dataset else batches


def _as_tf_dataset(batches):
    """The same batches as a `tf.data.Dataset`: each pass draws the next epoch."""
    import tensorflow as tf

    x_spec = tf.TensorSpec((None, *batches.x.shape[1:]), tf.float32 if batches.x.dtype != np.uint8 else tf.uint8)
    spec = x_spec if batches.y is None else (x_spec, tf.TensorSpec((None,), tf.int64))
    ds = tf.data.Dataset.from_generator(lambda: iter(batches), output_signature=spec)
    # a known length: Keras then counts the steps of an epoch instead of running dry
    ds = ds.apply(tf.data.experimental.assert_cardinality(len(batches)))
    return ds.prefetch(tf.data.AUTOTUNE)
