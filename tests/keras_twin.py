"""Checks for a keras_vi layer that is a Keras layer computed another way (its twin)."""

import keras
import numpy as np

from tests.conftest import gradient, to_numpy


def assert_matches_twin(layer, reference, x, err_msg=""):
    """With `reference`'s weights, `layer` gives its outputs (to 2e-6) and input gradients; returns the outputs."""
    expected = to_numpy(reference(x))
    layer.build(x.shape)
    layer.set_weights(reference.get_weights())
    got = to_numpy(layer(x))
    assert got.shape == expected.shape, err_msg
    np.testing.assert_allclose(got, expected, atol=2e-6, err_msg=err_msg)
    np.testing.assert_allclose(gradient(lambda v: layer(v) ** 3, x), gradient(lambda v: reference(v) ** 3, x),
                               rtol=1e-5, atol=1e-5, err_msg=err_msg)
    return got


def assert_same_training_step(make_twin, make_layer, x, y):
    """Kernel and bias gradients: one SGD step of the same one-layer model, equal weights after."""
    weights = []
    for make in (make_twin, make_layer):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input(x.shape[1:]), make()])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        model.train_on_batch(x, y)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        assert np.abs(a).max() > 0
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def assert_mixed_precision_like_twin(layer, reference, x):
    """Under "mixed_bfloat16" both compute in bfloat16 and agree to bfloat16's precision."""
    expected = reference(x)
    layer.build(x.shape)
    layer.set_weights(reference.get_weights())
    got = layer(x)
    assert keras.backend.standardize_dtype(got.dtype) == "bfloat16" == keras.backend.standardize_dtype(expected.dtype)
    np.testing.assert_allclose(to_numpy(keras.ops.cast(got, "float32")),
                               to_numpy(keras.ops.cast(expected, "float32")), atol=0.05)
