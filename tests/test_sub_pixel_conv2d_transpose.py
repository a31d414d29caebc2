"""SubPixelConv2DTranspose against Keras' own Conv2DTranspose: outputs, gradients, a step."""

import keras
import numpy as np
import pytest

from keras_vi.layers import SubPixelConv2DTranspose
from keras_vi.layers.sub_pixel_conv2d_transpose import phase_taps
from tests.conftest import BACKEND
from tests.keras_twin import assert_matches_twin, assert_mixed_precision_like_twin, assert_same_training_step


def test_phase_taps_by_hand():
    # kernel 3, stride 2, "same": y[2m] = x[m] w[0] + x[m-1] w[2] and y[2m+1] = x[m] w[1]
    taps, left = phase_taps(3, 2)
    np.testing.assert_array_equal(taps, [[2, -1], [0, 1]])  # rows: input m-1, m; columns: phase 0, 1
    assert left == 1
    # kernel 4 (Keras pads 2 on the left): y[2m] = x[m] w[1] + x[m-1] w[3], y[2m+1] = x[m+1] w[0] + x[m] w[2]
    taps, left = phase_taps(4, 2)
    np.testing.assert_array_equal(taps, [[3, -1], [1, 2], [-1, 0]])  # rows: input m-1, m, m+1
    assert left == 1
    taps, left = phase_taps(1, 1)
    np.testing.assert_array_equal(taps, [[0]])
    assert left == 0


# kernel sizes 1-5, strides 1-3 (unequal ones too), odd and even and non-square inputs
CASES = [((1, 1), (1, 1)), ((2, 2), (2, 2)), ((3, 3), (2, 2)), ((4, 4), (2, 2)), ((5, 5), (2, 2)),
         ((3, 2), (3, 2)), ((4, 5), (1, 3))]


@pytest.mark.parametrize("method", ["sub_pixel", "auto"])
def test_outputs_and_input_gradients_are_keras_conv2d_transpose(method):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 5, 3)).astype("float32")
    for kernel_size, strides in CASES:
        reference = keras.layers.Conv2DTranspose(4, kernel_size, strides=strides, padding="same",
                                                 activation="tanh", bias_initializer="random_normal")
        layer = SubPixelConv2DTranspose(4, kernel_size, strides=strides, padding="same", activation="tanh",
                                        method=method)
        got = assert_matches_twin(layer, reference, x, err_msg=str((kernel_size, strides)))
        assert got.shape == (2, 4 * strides[0], 5 * strides[1], 4)


def test_a_training_step_moves_the_weights_as_keras_layer_does():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3, 3, 2)).astype("float32")
    y = rng.normal(size=(4, 6, 6, 8)).astype("float32")
    assert_same_training_step(
        lambda: keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu"),
        lambda: SubPixelConv2DTranspose(8, 3, strides=2, padding="same", activation="relu", method="sub_pixel"),
        x, y)


def test_auto_takes_the_measured_faster_way_on_this_backend():
    wide, narrow = SubPixelConv2DTranspose(8, 3, strides=2, padding="same"), SubPixelConv2DTranspose(4, 3, strides=2, padding="same")
    expected = "sub_pixel" if BACKEND == "jax" else "transpose"
    assert wide.resolved_method() == expected and narrow.resolved_method() == "transpose"
    assert SubPixelConv2DTranspose(8, 3, method="transpose").resolved_method() == "transpose"


def test_default_decoders_use_it():
    from keras_vi.zoo import networks

    decoder = networks.build_decoder((8, 8), 2, [(8, 8)])
    kinds = [type(layer).__name__ for layer in decoder.layers]
    assert kinds.count("SubPixelConv2DTranspose") == 2 and "Conv2DTranspose" not in kinds


@pytest.mark.parametrize("kwargs,match", [
    ({"padding": "valid"}, "`padding` must be 'same'"),
    ({"padding": "same", "dilation_rate": 2}, "`dilation_rate` must be 1"),
    ({"padding": "same", "output_padding": 1}, "`output_padding` must be None"),
    ({"padding": "same", "data_format": "channels_first"}, "`data_format` must be 'channels_last'"),
    ({"padding": "same", "method": "fast"}, "`method` must be one of"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SubPixelConv2DTranspose(4, 3, strides=2, **kwargs)


def test_mixed_precision_computes_in_the_policy_dtype():
    x = np.random.default_rng(2).normal(size=(2, 3, 3, 4)).astype("float32")
    assert_mixed_precision_like_twin(
        SubPixelConv2DTranspose(8, 3, strides=2, padding="same", method="sub_pixel", dtype="mixed_bfloat16"),
        keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", dtype="mixed_bfloat16"), x)
