"""Bijector layers: round trip, log-det against the backend's autodiff Jacobian, closed forms."""

import keras
import numpy as np
import pytest
from scipy import stats

from conftest import to_numpy
from keras_vi import layers
from keras_vi.testing import run_bijector_test

_rng = np.random.default_rng(0)
IMAGES = _rng.normal(size=(2, 4, 4, 2)).astype("float32")
ODD = _rng.normal(size=(2, 2, 3, 1)).astype("float32")
CHANNELS = _rng.normal(size=(2, 2, 2, 3)).astype("float32")

BIJECTORS = [
    ("coupling_checkerboard", layers.AffineCoupling, {"mask": "checkerboard", "filters": 4}, IMAGES, None),
    ("coupling_checkerboard_odd", layers.AffineCoupling,
     {"mask": "checkerboard", "parity": 1, "filters": 4}, ODD, None),
    ("coupling_channel", layers.AffineCoupling, {"mask": "channel", "filters": 4}, CHANNELS, None),
    ("coupling_channel_parity", layers.AffineCoupling,
     {"mask": "channel", "parity": 1, "filters": 4}, CHANNELS, None),
    ("coupling_context", layers.AffineCoupling, {"filters": 4, "context_channels": 3}, ODD,
     _rng.normal(size=(2, 2, 3, 3)).astype("float32")),
    ("act_norm", layers.ActNorm, {}, CHANNELS, None),
    ("act_norm_vectors", layers.ActNorm, {"epsilon": 1e-4}, CHANNELS[:, 0, 0], None),
    ("invertible_1x1_conv", layers.Invertible1x1Conv, {"seed": 0}, CHANNELS, None),
    ("squeeze", layers.Squeeze, {}, IMAGES, None),
    ("logit_transform", layers.LogitTransform, {"alpha": 0.05},
     _rng.uniform(size=(2, 3, 2)).astype("float32"), None),
]


@pytest.mark.parametrize("cls,kwargs,x,context", [c[1:] for c in BIJECTORS], ids=[c[0] for c in BIJECTORS])
def test_bijector(cls, kwargs, x, context):
    run_bijector_test(cls, kwargs, x, context=context)


def test_act_norm_on_gaussian_data_matches_the_closed_form():
    # ActNorm alone, initialized on the data, with a N(0, 1) base: the density is
    # the Gaussian with the batch's mean and standard deviation, per channel.
    x = _rng.normal([3.0, -1.0], [2.0, 0.5], size=(400, 2)).astype("float32")
    y, log_det = layers.ActNorm(epsilon=1e-6).forward_and_log_det(x)
    log_p = stats.norm.logpdf(to_numpy(y)).sum(axis=1) + to_numpy(log_det)
    expected = stats.norm.logpdf(x, x.mean(axis=0), np.sqrt(x.var(axis=0) + 1e-6)).sum(axis=1)
    np.testing.assert_allclose(log_p, expected, rtol=1e-4, atol=1e-4)


def test_act_norm_initializes_once_and_is_saved():
    layer = layers.ActNorm()
    x = _rng.normal(5.0, 3.0, size=(64, 3)).astype("float32")
    layer.forward_and_log_det(x)
    first = to_numpy(layer.initial_bias)
    layer.forward_and_log_det(x * 10.0)  # a later batch does not re-initialize
    np.testing.assert_allclose(to_numpy(layer.initial_bias), first)
    assert float(to_numpy(layer.initialized)) == 1.0


def test_invertible_1x1_conv_log_det_is_log_abs_det_of_w():
    layer = layers.Invertible1x1Conv(seed=3)
    _, log_det = layer.forward_and_log_det(CHANNELS)
    w = to_numpy(layer.weight_matrix()).astype(np.float64)
    np.testing.assert_allclose(to_numpy(log_det), 4 * np.linalg.slogdet(w)[1], atol=1e-5)
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-5)  # it starts as a rotation


def test_squeeze_moves_each_2x2_patch_into_channels():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    y, _ = layers.Squeeze().forward_and_log_det(x)
    assert to_numpy(y)[0, 0, 0].tolist() == [0.0, 1.0, 4.0, 5.0]


@pytest.mark.parametrize("layer,shape,match", [
    (layers.Squeeze(), (1, 3, 4, 1), "H and W even"),
    (layers.AffineCoupling(mask="channel"), (1, 2, 2, 1), "at least 2 channels"),
    (layers.AffineCoupling(), (1, 4, 4), r"\(batch, H, W, C\)"),
])
def test_bijectors_reject_shapes_they_cannot_take(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer.forward_and_log_det(np.zeros(shape, "float32"))


def test_context_is_required_exactly_when_declared():
    with pytest.raises(ValueError, match="needs a `context`"):
        layers.AffineCoupling(context_channels=2).forward_and_log_det(ODD)
    with pytest.raises(ValueError, match="takes no `context`"):
        layers.ActNorm().forward_and_log_det(ODD, context=ODD)


@pytest.mark.parametrize("kwargs,match", [
    ({"mask": "diagonal"}, "`mask`"), ({"parity": 2}, "`parity`"), ({"filters": 0}, "`filters`"),
    ({"context_channels": -1}, "`context_channels`"),
])
def test_affine_coupling_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.AffineCoupling(**kwargs)


def test_bijectors_are_keras_serializable():
    layer = layers.AffineCoupling(mask="channel", parity=1, filters=5, context_channels=2)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(restored) is layers.AffineCoupling and restored.get_config() == layer.get_config()


@pytest.mark.parametrize("cls,kwargs,x,context", [c[1:] for c in BIJECTORS], ids=[c[0] for c in BIJECTORS])
def test_both_directions_take_numpy_arrays(cls, kwargs, x, context):
    """distrax's names; NumPy in, on every backend (PyTorch once raised a TypeError in `inverse`)."""
    layer = cls(**kwargs)
    extra = {} if context is None else {"context": context}
    y, log_det = layer.forward_and_log_det(x, **extra)
    x_back, inverse_log_det = layer.inverse_and_log_det(to_numpy(y), **extra)
    np.testing.assert_allclose(to_numpy(x_back), x, atol=1e-4)
    np.testing.assert_allclose(to_numpy(inverse_log_det), -to_numpy(log_det), atol=1e-4)
    np.testing.assert_allclose(to_numpy(layer.inverse(to_numpy(y), **extra)), x, atol=1e-4)
