"""Bad input, systematically (property-based, hypothesis): every public entry point gives a
ValueError or TypeError that names the argument, never a backend traceback or a NaN."""

import gzip
import hashlib
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_vi import callbacks, datasets, estimators, layers, zoo

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

# Values that are not what each kind of argument takes.
NOT_A_NUMBER = st.one_of(st.text(max_size=3), st.none(), st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
BAD_POSITIVE_INT = st.one_of(st.integers(max_value=0), st.floats(allow_nan=True, allow_infinity=True),
                             st.booleans(), NOT_A_NUMBER)
BAD_NON_NEGATIVE_INT = st.one_of(st.integers(max_value=-1), st.floats(allow_nan=True, allow_infinity=True),
                                 st.booleans(), NOT_A_NUMBER)
BAD_NON_NEGATIVE = st.one_of(st.floats(max_value=-1e-12), st.sampled_from([math.nan, math.inf, -math.inf]),
                             st.booleans(), NOT_A_NUMBER)
BAD_CHOICE = st.one_of(st.text(max_size=5).filter(lambda s: s not in CHOICES), st.integers(), st.none())
CHOICES = {"bernoulli", "gaussian", "discretized_logistic", "standard_normal", "mixture_of_gaussians",
           "vamp", "diag", "full", "uniform", "variational", "A", "B", "linear", "cyclical", "sigmoid",
           "posterior", "prior", "checkerboard", "channel", "categorical", "raster", "vertical", "horizontal"}


def _raises_naming(expected, fn, /, *args, **kwargs):
    """fn(...) must raise ValueError or TypeError with `expected` (a name) in its message."""
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    assert expected in str(info.value), f"{expected!r} not named in: {info.value}"


# (callable, valid keyword arguments, argument, kind of bad value)
ARGUMENTS = [
    (zoo.VAE, {"latent_dim": 2}, "latent_dim", BAD_POSITIVE_INT),
    (zoo.VAE, {"latent_dim": 2}, "free_bits", BAD_NON_NEGATIVE),
    (zoo.VAE, {"latent_dim": 2}, "max_inner_steps", BAD_POSITIVE_INT),
    (zoo.VAE, {"latent_dim": 2}, "likelihood", BAD_CHOICE),
    (zoo.VAE, {"latent_dim": 2}, "prior", BAD_CHOICE),
    (zoo.VAE, {"latent_dim": 2}, "seed", st.one_of(st.floats(), st.text(max_size=2), st.booleans())),
    (zoo.BetaVAE, {"latent_dim": 2}, "beta", BAD_NON_NEGATIVE),
    (zoo.IWAE, {"latent_dim": 2}, "num_samples", BAD_POSITIVE_INT),
    (zoo.BetaTCVAE, {"latent_dim": 2}, "beta", BAD_NON_NEGATIVE),
    (zoo.FactorVAE, {"latent_dim": 2}, "gamma", BAD_NON_NEGATIVE),
    (zoo.VQVAE, {}, "num_embeddings", BAD_POSITIVE_INT),
    (zoo.VQVAE, {}, "embedding_dim", BAD_POSITIVE_INT),
    (zoo.VQVAE, {}, "commitment_cost", BAD_NON_NEGATIVE),
    (zoo.VQVAE, {}, "ema_decay", st.one_of(st.floats().filter(lambda v: not 0 < v < 1), st.text(max_size=2))),
    (zoo.VQVAE, {}, "prior_layers", BAD_POSITIVE_INT),
    (zoo.VQVAE, {}, "prior_num_conditions", BAD_POSITIVE_INT.filter(lambda v: v is not None)),
    (zoo.VQVAE, {}, "spatial_dims", st.one_of(st.integers().filter(lambda v: v not in (1, 2, 3)),
                                              st.sampled_from([1.0, 2.0, True, "1"]))),
    (zoo.VQVAE, {}, "prior", BAD_CHOICE),
    (zoo.CausalPrior, {"num_classes": 4}, "num_layers", BAD_POSITIVE_INT),
    (zoo.CausalPrior, {"num_classes": 4}, "dilation_cycle", BAD_POSITIVE_INT),
    (zoo.CausalPrior, {"num_classes": 4}, "num_conditions", BAD_POSITIVE_INT.filter(lambda v: v is not None)),
    (layers.GatedCausalBlock, {"filters": 2}, "dilation_rate", BAD_POSITIVE_INT),
    (datasets.MovingMNIST, {"digits": np.zeros((2, 28, 28), "float32")}, "num_frames", BAD_POSITIVE_INT),
    (datasets.MovingMNIST, {"digits": np.zeros((2, 28, 28), "float32")}, "num_digits", BAD_POSITIVE_INT),
    (datasets.MovingMNIST, {"digits": np.zeros((2, 28, 28), "float32")}, "speed", BAD_NON_NEGATIVE),
    (zoo.PixelCNN, {"num_classes": 4}, "num_layers", BAD_NON_NEGATIVE_INT),
    (zoo.PixelCNN, {"num_classes": 4}, "condition_dim", BAD_POSITIVE_INT.filter(lambda v: v is not None)),
    (zoo.ARVAE, {"latent_dim": 2}, "decoder_layers", BAD_NON_NEGATIVE_INT),
    (zoo.ARVAE, {"latent_dim": 2}, "decoder_filters", BAD_POSITIVE_INT),
    (zoo.ARVAE, {"latent_dim": 2}, "num_classes", st.one_of(BAD_POSITIVE_INT, st.just(1))),
    (zoo.ARVAE, {"latent_dim": 2}, "first_kernel_size", BAD_POSITIVE_INT),
    (zoo.PixelCNN, {"num_classes": 4}, "filters", BAD_POSITIVE_INT),
    (zoo.PixelCNN, {}, "num_classes", BAD_POSITIVE_INT),
    (zoo.GaussianMixture, {}, "num_components", BAD_POSITIVE_INT),
    (zoo.GaussianMixture, {"num_components": 2}, "covariance", BAD_CHOICE),
    (zoo.RealNVP, {}, "num_scales", BAD_POSITIVE_INT),
    (zoo.RealNVP, {}, "num_steps", BAD_POSITIVE_INT),
    (zoo.RealNVP, {}, "dequantization", BAD_CHOICE),
    (layers.Sampling, {}, "num_samples", BAD_POSITIVE_INT.filter(lambda v: v is not None)),
    (layers.VectorQuantizer, {"num_embeddings": 4}, "embedding_dim", BAD_POSITIVE_INT),
    (layers.MaskedConv2D, {"filters": 2, "kernel_size": 3}, "mask_type", BAD_CHOICE),
    (layers.MaskedConv2D, {"filters": 2, "kernel_size": 3}, "stack", BAD_CHOICE),
    (layers.GatedPixelCNNBlock, {"filters": 2}, "condition_dim", BAD_POSITIVE_INT.filter(lambda v: v is not None)),
    (callbacks.KLAnnealing, {}, "schedule", BAD_CHOICE),
    (callbacks.KLAnnealing, {}, "warmup_steps", BAD_POSITIVE_INT),
    (callbacks.KLAnnealing, {}, "ratio", st.one_of(st.floats().filter(lambda v: not 0 < v <= 1), NOT_A_NUMBER)),
    (callbacks.KLAnnealing, {}, "max_weight", BAD_NON_NEGATIVE.filter(lambda v: v is not None)),
    (callbacks.ImageLogger, {"log_dir": "logs"}, "every_n_epochs", BAD_POSITIVE_INT),
    (callbacks.ImageLogger, {"log_dir": "logs"}, "n", BAD_POSITIVE_INT),
    (datasets.Batches, {"x": np.zeros((4, 2), "float32")}, "batch_size", BAD_POSITIVE_INT),
    (datasets.load, {"name": "digits"}, "split", st.text(max_size=8).filter(
        lambda s: not re.fullmatch(r"(train|test)(\[\d*:?\d*\])?", s))),
    (datasets.load, {"name": "digits"}, "binarize", BAD_CHOICE.filter(lambda v: v not in (None, "static", "dynamic"))),
]


@pytest.mark.parametrize("fn,valid,name,bad", ARGUMENTS,
                         ids=[f"{fn.__name__}-{name}" for fn, _, name, _ in ARGUMENTS])
def test_bad_arguments_are_named(fn, valid, name, bad):
    @SETTINGS
    @given(bad)
    def check(value):
        _raises_naming(name, fn, **{**valid, name: value})

    check()


# Data --------------------------------------------------------------------------

X = (np.random.default_rng(0).uniform(size=(8, 8, 8)) > 0.5).astype("float32")


@pytest.fixture(scope="module")
def built():
    """One built model of each data kind: a VAE on [0, 1] images, a GMM on vectors,
    a PixelCNN on integer grids and a flow on 8-bit pixels."""
    vae = zoo.VAE(latent_dim=2, hidden_units=(8,), seed=0)
    vae.build(X.shape)
    gmm = zoo.GaussianMixture(2, seed=0)
    gmm.build((None, 3))
    pixel_cnn = zoo.PixelCNN(num_classes=4, num_layers=1, filters=4, seed=0)
    pixel_cnn.build((None, 8, 8))
    flow = zoo.RealNVP(num_scales=1, num_steps=1, filters=4, seed=0)
    flow.build((None, 8, 8))
    ar_vae = zoo.ARVAE(latent_dim=2, decoder_layers=1, decoder_filters=4, seed=0)
    ar_vae.build(X.shape)
    return {"vae": vae, "gmm": gmm, "pixel_cnn": pixel_cnn, "flow": flow, "ar_vae": ar_vae}


def _bad_arrays(shape, low, high, integers=False):
    """Arrays that do not suit a model of per-example `shape` with values in [low, high]
    (`high` None: any finite value)."""
    good = st.just(np.full((4, *shape), low, "float32"))

    def poke(value):
        def set_one(a_and_i):
            a, i = a_and_i
            a = a.copy()
            a.flat[i % a.size] = value
            return a
        return st.tuples(good, st.integers(0, 10**6)).map(set_one)

    wrong_shape = st.lists(st.integers(1, 5), min_size=0, max_size=4).filter(
        lambda s: tuple(s[1:]) != tuple(shape)).map(lambda s: np.full(s, low, "float32"))
    non_finite = st.sampled_from([np.nan, np.inf, -np.inf]).flatmap(poke)
    kinds = [wrong_shape, non_finite,
             st.just(np.zeros((0, *shape), "float32")),  # no example
             st.sampled_from(["complex64", "bool", "U1", "object"]).map(
                 lambda d: np.full((4, *shape), "a" if d in ("U1", "object") else 0, dtype=d)),
             st.one_of(st.none(), st.text(max_size=3), st.integers(), st.lists(st.text(max_size=2), min_size=1,
                                                                               max_size=2))]
    if high is not None:  # values outside the model's range
        kinds.append(st.one_of(st.floats(min_value=high + 0.5, max_value=1e6),
                               st.floats(max_value=low - 0.5, min_value=-1e6)).flatmap(poke))
    if integers:
        kinds.append(st.floats(0.1, 0.9).flatmap(poke))  # not whole numbers
    return st.one_of(*kinds)


@pytest.mark.parametrize("model,method,shape,low,high,integers", [
    ("vae", "fit", (8, 8), 0.0, 1.0, False),
    ("vae", "evaluate", (8, 8), 0.0, 1.0, False),
    ("vae", "reconstruct", (8, 8), 0.0, 1.0, False),
    ("vae", "encode", (8, 8), 0.0, 1.0, False),
    ("vae", "log_likelihood", (8, 8), 0.0, 1.0, False),
    ("gmm", "fit", (3,), 0.0, None, False),
    ("gmm", "log_prob", (3,), 0.0, None, False),
    ("pixel_cnn", "fit", (8, 8), 0, 3, True),
    ("pixel_cnn", "log_prob", (8, 8), 0, 3, True),
    ("flow", "fit", (8, 8), 0, 255, True),
    ("flow", "encode", (8, 8), 0, 255, True),
    ("ar_vae", "fit", (8, 8), 0, 1, True),
    ("ar_vae", "log_likelihood", (8, 8), 0, 1, True),
])
def test_bad_data_is_named(built, model, method, shape, low, high, integers):
    model = built[model]
    call = {
        "fit": lambda x: model.fit(x, epochs=1, verbose=0),
        "evaluate": lambda x: model.evaluate(x, verbose=0),
        "log_likelihood": lambda x: estimators.log_likelihood(model, x, num_samples=2),
    }.get(method, lambda x: getattr(model, method)(x))

    @SETTINGS
    @given(_bad_arrays(shape, low, high, integers))
    def check(x):
        _raises_naming("`x`", call, x)

    check()


@SETTINGS
@given(n=BAD_POSITIVE_INT, seed=st.one_of(st.floats(), st.text(max_size=2), st.booleans()))
def test_bad_sample_arguments(built, n, seed):
    _raises_naming("`n`", built["vae"].sample, n)
    _raises_naming("`seed`", built["vae"].sample, 2, seed=seed)


@SETTINGS
@given(z=st.one_of(st.lists(st.integers(1, 4), min_size=1, max_size=3).filter(lambda s: s[-1] != 2).map(
    lambda s: np.zeros(s, "float32")), st.sampled_from([np.nan, np.inf]).map(
    lambda v: np.full((3, 2), v, "float32"))))
def test_bad_codes_are_named(built, z):
    _raises_naming("`z`", built["vae"].decode, z)


# IDX files ---------------------------------------------------------------------

def _idx_bytes(images):
    header = bytes([0, 0, 8, images.ndim]) + b"".join(d.to_bytes(4, "big") for d in images.shape)
    return header + images.astype(np.uint8).tobytes()


@pytest.mark.numpy_only
@pytest.mark.parametrize("damage", ["truncated_gz", "corrupt_gz", "not_gzip", "wrong_checksum",
                                    "truncated_payload", "bad_magic"])
def test_damaged_idx_files_give_a_value_error_naming_the_file(tmp_path, monkeypatch, damage):
    from keras_vi.datasets import idx

    images = np.arange(2 * 3 * 3).reshape(2, 3, 3)
    raw = _idx_bytes(images)
    gz = gzip.compress(raw, mtime=0)
    stored = {
        "truncated_gz": gz[: len(gz) // 2],
        "corrupt_gz": gz[:12] + bytes(b ^ 0xFF for b in gz[12:20]) + gz[20:],
        "not_gzip": b"hello, not a gzip file",
        "wrong_checksum": gz,
        "truncated_payload": gzip.compress(raw[:-3], mtime=0),
        "bad_magic": gzip.compress(b"\x01\x02" + raw[2:], mtime=0),
    }[damage]
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(stored)
    # the published checksums are those of the real files: let a well-formed
    # stand-in pass them, except where the damage is the checksum itself
    if damage != "wrong_checksum":
        entry = idx.IDX_FILES["mnist"][("test", "images")]
        monkeypatch.setitem(idx.IDX_FILES["mnist"], ("test", "images"),
                            (entry[0], hashlib.md5(stored).hexdigest(), entry[2]))
    with pytest.raises(ValueError, match=re.escape(str(path))):
        idx.read_idx_file("mnist", str(tmp_path), "test", "images")
