import gzip
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from keras_vi import datasets
from tests.conftest import BACKEND, REPO, SHARED_DATA

needs_shared = pytest.mark.skipif(
    not os.path.isdir(SHARED_DATA), reason=f"no shared data at {SHARED_DATA}"
)


def test_digits_split_is_fixed_and_disjoint():
    train, y_train = datasets.load("digits", with_labels=True)
    test = datasets.load("digits", split="test")
    assert train.shape == (1437, 8, 8) and test.shape == (360, 8, 8)
    assert train.dtype == np.float32 and train.min() == 0.0 and train.max() == 1.0
    np.testing.assert_array_equal(train, datasets.load("digits"))
    rows = {r.tobytes() for r in train}
    assert sum(r.tobytes() in rows for r in test) < 10  # digits holds a few duplicate images
    np.testing.assert_array_equal(datasets.load("digits", split="test[::10]"), test[::10])
    with pytest.raises(ValueError, match="step must be positive"):
        datasets.load("digits", split="test[::0]")
    flat = datasets.load("digits", flatten=True)
    assert flat.shape == (1437, 64)
    np.testing.assert_array_equal(flat.reshape(-1, 8, 8), train)
    raw = datasets.load("digits", scale=False)
    assert raw.dtype == np.uint8 and raw.max() == 16
    assert set(np.unique(y_train)) == set(range(10))


@needs_shared
def test_mnist_and_fashion_mnist_from_idx_files():
    x, y = datasets.load("mnist", split="test[:8000]", data_dir=SHARED_DATA, with_labels=True)
    assert x.shape == (8000, 28, 28) and y[:5].tolist() == [7, 2, 1, 0, 4]
    held_out = datasets.load("mnist", split="test[8000:]", data_dir=SHARED_DATA)
    assert held_out.shape == (2000, 28, 28)
    raw = datasets.load("mnist", split="test", data_dir=SHARED_DATA, scale=False)
    assert abs(raw.mean() - 33.79) < 0.01  # the README's published mean
    f = datasets.load("fashion_mnist", split="test[:100]", data_dir=os.path.join(SHARED_DATA, "fashion-mnist"))
    assert f.shape == (100, 28, 28) and 0 <= f.min() and f.max() <= 1
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        datasets.load("mnist", split="train", data_dir=SHARED_DATA)  # not shipped


@needs_shared
def test_corrupt_or_wrong_files_are_errors(tmp_path):
    src = os.path.join(SHARED_DATA, "mnist")
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(os.path.join(src, name), tmp_path / name)
    data = bytearray(gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    data[100] ^= 1  # one flipped bit in a label
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(data)))
    with pytest.raises(ValueError, match="corrupt"):
        datasets.load("mnist", split="test", data_dir=str(tmp_path))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="corrupt"):
        datasets.load("mnist", split="test", data_dir=str(tmp_path))
    # a re-gzipped copy of the original content is accepted (Debian's packaging)
    good = gzip.decompress(open(os.path.join(src, "t10k-labels-idx1-ubyte.gz"), "rb").read())
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(good, mtime=0))
    assert datasets.load("mnist", split="test[:3]", data_dir=str(tmp_path)).shape == (3, 28, 28)


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_dir"):
        datasets.load("mnist", data_dir=str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="split"):
        datasets.load("digits", split="validation")
    with pytest.raises(ValueError, match="binarize"):
        datasets.load("digits", binarize="yes")
    with pytest.raises(ValueError, match="batch_size"):
        datasets.load("digits", binarize="dynamic")
    with pytest.raises(ValueError, match="scale"):
        datasets.load("digits", binarize="static", scale=False)
    with pytest.raises(ValueError, match="split"):
        datasets.load("digits", split="test[5000:]")
    with pytest.raises(ValueError, match="name"):
        datasets.load("no_such_dataset_anywhere")


def test_binarization():
    probs = datasets.load("digits")
    static = datasets.load("digits", binarize="static", seed=3)
    assert set(np.unique(static)) == {0.0, 1.0}
    np.testing.assert_array_equal(static, datasets.load("digits", binarize="static", seed=3))
    assert abs(static.mean() - probs.mean()) < 0.01
    ds = datasets.load("digits", binarize="dynamic", batch_size=500, seed=1)
    first = [b.numpy() for b in ds]
    second = [b.numpy() for b in ds]
    assert [len(b) for b in first] == [500, 500, 437]
    assert set(np.unique(first[0])) == {0.0, 1.0}
    assert (first[0] != second[0]).mean() > 0.05  # a new draw each epoch
    assert abs(np.concatenate(first).mean() - probs.mean()) < 0.01


def test_tfds_path_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=12):
        x, y = datasets.load("tfds:mnist", split="train", with_labels=True)
    assert x.shape == (12, 28, 28) and x.dtype == np.float32 and y.shape == (12,)
    assert 0 <= x.min() and x.max() <= 1


BINARIZED = os.path.join(SHARED_DATA, "binarized-mnist")


@needs_shared
def test_binarized_mnist_reads_both_published_forms(tmp_path):
    import scipy.io

    x = datasets.load("binarized_mnist", split="test", data_dir=SHARED_DATA)
    assert x.shape == (10000, 28, 28) and x.dtype == np.float32
    assert set(np.unique(x)) == {0.0, 1.0} and abs(x.mean() - 0.13251) < 1e-5  # the README's mean
    assert datasets.load("binarized_mnist", split="validation[:5]", data_dir=BINARIZED).shape == (5, 28, 28)
    # Larochelle's text form, one image of "0 1 ..." per line: written from the .mat copy it is
    # byte for byte the file whose sha256 TFDS publishes
    rows = scipy.io.loadmat(os.path.join(BINARIZED, "binarized_mnist_test.mat"))["X"]
    text = ("\n".join(" ".join(map(str, r)) for r in rows) + "\n").encode()
    import hashlib

    from keras_vi.datasets import binarized_mnist

    assert hashlib.sha256(text).hexdigest() == binarized_mnist.FILES["test"][3]
    (tmp_path / "binarized_mnist_test.amat").write_bytes(text)
    np.testing.assert_array_equal(datasets.load("binarized_mnist", split="test", data_dir=str(tmp_path)), x)
    # a MATLAB file under the .amat name (as ARM-gradient publishes it) is read as one
    shutil.copy(os.path.join(BINARIZED, "binarized_mnist_test.mat"), tmp_path / "binarized_mnist_test.amat")
    np.testing.assert_array_equal(datasets.load("binarized_mnist", split="test", data_dir=str(tmp_path)), x)
    with pytest.raises(ValueError, match="no 'validation' split"):
        datasets.load("mnist", split="validation", data_dir=SHARED_DATA)


@needs_shared
def test_binarized_mnist_bad_checksum_or_missing_file_is_an_error(tmp_path):
    import scipy.io

    rows = scipy.io.loadmat(os.path.join(BINARIZED, "binarized_mnist_valid.mat"))["X"]
    rows[17, 300] ^= 1  # one pixel changed
    scipy.io.savemat(tmp_path / "binarized_mnist_valid.mat", {"X": rows})
    with pytest.raises(ValueError, match="md5 3e33becd40c694040e5e6c812e2f4b50"):
        datasets.load("binarized_mnist", split="validation", data_dir=str(tmp_path))
    (tmp_path / "binarized_mnist_test.amat").write_bytes(b"0 1 2 0\n")
    with pytest.raises(ValueError, match="corrupt: not rows of 784"):
        datasets.load("binarized_mnist", split="test", data_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="binarized_mnist_train.amat or binarized_mnist_train.mat"):
        datasets.load("binarized_mnist", split="train", data_dir=str(tmp_path))


def test_binarized_mnist_without_data_dir_fails_fast_offline_and_goes_through_tfds(monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")
    import time

    from keras_vi.datasets import binarized_mnist

    monkeypatch.setattr(binarized_mnist, "TFDS_HOST", ("offline.invalid", 80))
    start = time.perf_counter()
    with pytest.raises(ValueError, match="`data_dir` is not set.*offline"):
        datasets.load("binarized_mnist", split="test")
    assert time.perf_counter() - start < 10
    monkeypatch.setattr(binarized_mnist, "host_answers", lambda *a, **k: True)
    with tfds.testing.mock_data(num_examples=12):
        x = datasets.load("binarized_mnist", split="validation", scale=False)
    assert x.shape == (12, 28, 28) and x.dtype == np.uint8


NO_TENSORFLOW = """
import sys

# None in sys.modules: `import tensorflow` fails and find_spec says it is absent,
# as on a machine without TensorFlow.
sys.modules["tensorflow"] = None
import numpy as np
import keras_vi
from keras_vi import datasets, zoo

batches = datasets.load("digits", binarize="dynamic", batch_size=32, shuffle=True, seed=0)
assert isinstance(batches, datasets.Batches), type(batches)
first, second = np.concatenate(list(batches)), np.concatenate(list(batches))
assert first.shape == (1437, 8, 8) and set(np.unique(first)) == {0.0, 1.0}
assert (first != second).mean() > 0.05  # a new draw (and order) each pass
history = zoo.VAE(latent_dim=2, seed=0).fit(batches, epochs=2, verbose=0).history
assert np.all(np.isfinite(history["loss"])), history
assert sys.modules["tensorflow"] is None
print("ok")
"""


@pytest.mark.slow
@pytest.mark.skipif(BACKEND == "tensorflow", reason="the TensorFlow backend needs TensorFlow")
def test_loader_and_fit_without_tensorflow():
    result = subprocess.run([sys.executable, "-c", NO_TENSORFLOW], cwd=REPO, capture_output=True,
                            text=True, timeout=300, env={**os.environ, "KERAS_BACKEND": BACKEND})
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]


def test_batches_are_reproducible_and_redrawn_per_epoch():
    x = np.random.default_rng(0).uniform(size=(10, 3)).astype("float32")
    y = np.arange(10)
    a = datasets.Batches(x, y, batch_size=4, shuffle=True, binarize=True, seed=5)
    b = datasets.Batches(x, y, batch_size=4, shuffle=True, binarize=True, seed=5)
    epoch_a = [a[i] for i in range(len(a))]
    np.testing.assert_array_equal(epoch_a[1][0], b[1][0])  # (seed, epoch, index) fix the draw
    np.testing.assert_array_equal(a[1][0], epoch_a[1][0])  # a batch read twice is the same
    assert sorted(np.concatenate([lab for _, lab in epoch_a]).tolist()) == list(range(10))
    a.on_epoch_end()
    assert not np.array_equal(np.concatenate([a[i][1] for i in range(len(a))]),
                              np.concatenate([lab for _, lab in epoch_a]))  # reshuffled
    with pytest.raises(IndexError):
        a[3]
    with pytest.raises(ValueError, match="batch_size"):
        datasets.Batches(x, batch_size=0)


def test_mnist_without_data_dir_goes_through_keras_datasets(monkeypatch):
    import keras

    def offline():
        raise Exception("URL fetch failure on https://example.invalid/x.gz: None -- [Errno -2]")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(ValueError, match=r"data_dir.*t10k-images-idx3-ubyte\.gz") as info:
        datasets.load("fashion_mnist")
    assert "URL fetch failure" in str(info.value)

    images = np.random.default_rng(0).integers(0, 256, size=(6, 28, 28)).astype(np.uint8)
    labels = np.arange(6, dtype=np.uint8)
    monkeypatch.setattr(keras.datasets.mnist, "load_data",
                        lambda: ((images[:4], labels[:4]), (images[4:], labels[4:])))
    x, y = datasets.load("mnist", split="test", with_labels=True)
    np.testing.assert_allclose(x, images[4:] / 255.0, rtol=1e-6)
    assert y.tolist() == [4, 5] and datasets.load("mnist", scale=False)[0].dtype == np.uint8


def test_the_pipeline_can_be_chosen():
    batches = datasets.load("digits", batch_size=100, as_tf_dataset=False)
    assert isinstance(batches, datasets.Batches) and len(batches) == 15
    tf = pytest.importorskip("tensorflow")
    ds = datasets.load("digits", batch_size=100, as_tf_dataset=True, with_labels=True)
    assert isinstance(ds, tf.data.Dataset) and int(ds.cardinality()) == 15
    x, y = next(iter(ds))
    np.testing.assert_array_equal(x.numpy(), batches[0])
