"""ShiftedSumConv2D against Keras' own Conv2D: outputs, gradients, a step."""

import keras
import numpy as np
import pytest

from keras_vi.layers import ShiftedSumConv2D
from tests.conftest import BACKEND
from tests.keras_twin import assert_matches_twin, assert_mixed_precision_like_twin, assert_same_training_step

# kernel sizes 1-5, even and odd (Keras pads an even kernel more after than before), unequal
# sides, with filters below and above the input's 3 channels
CASES = [((1, 1), 2), ((2, 2), 1), ((3, 3), 1), ((3, 3), 4), ((4, 4), 2), ((5, 5), 1), ((3, 2), 3), ((2, 5), 1)]


@pytest.mark.parametrize("method", ["shifted_sum", "auto"])
def test_outputs_and_input_gradients_are_keras_conv2d(method):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 5, 3)).astype("float32")  # non-square, odd and even sides
    for kernel_size, filters in CASES:
        reference = keras.layers.Conv2D(filters, kernel_size, padding="same", activation="tanh",
                                        bias_initializer="random_normal")
        layer = ShiftedSumConv2D(filters, kernel_size, padding="same", activation="tanh", method=method)
        got = assert_matches_twin(layer, reference, x, err_msg=str((kernel_size, filters)))
        assert got.shape == (2, 4, 5, filters)


def test_a_training_step_moves_the_weights_as_keras_layer_does():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 5, 6, 8)).astype("float32")
    y = rng.normal(size=(4, 5, 6, 2)).astype("float32")
    assert_same_training_step(lambda: keras.layers.Conv2D(2, 3, padding="same", activation="relu"),
                              lambda: ShiftedSumConv2D(2, 3, padding="same", activation="relu", method="shifted_sum"),
                              x, y)


def test_auto_takes_the_measured_faster_way_on_this_backend():
    # the shifted sum on JAX when kh * kw * filters <= input channels (benchmarks/conv_head.py)
    narrow, wide = ShiftedSumConv2D(3, 3, padding="same"), ShiftedSumConv2D(4, 3, padding="same")
    assert narrow.resolved_method(32) == ("shifted_sum" if BACKEND == "jax" else "conv")
    assert wide.resolved_method(32) == "conv"
    narrow.build((None, 5, 5, 27))
    assert narrow.resolved_method() == ("shifted_sum" if BACKEND == "jax" else "conv")
    assert ShiftedSumConv2D(1, 3, method="conv").resolved_method(32) == "conv"
    assert ShiftedSumConv2D(8, 3, method="shifted_sum").resolved_method(4) == "shifted_sum"
    with pytest.raises(ValueError, match="`input_channels` is needed"):
        ShiftedSumConv2D(1, 3).resolved_method()


def test_default_image_decoders_end_in_it():
    from keras_vi.zoo import networks

    for decoder in (networks.build_decoder((8, 8), 2, [(8, 8)]),
                    networks.build_grid_decoder((8, 8), (2, 2), 3, [(8, 8)])):
        kinds = [type(layer).__name__ for layer in decoder.layers]
        assert kinds[-2:] == ["ShiftedSumConv2D", "Reshape"]  # the head, then (8, 8, 1) -> (8, 8)


@pytest.mark.parametrize("kwargs,match", [
    ({"padding": "valid"}, "`padding` must be 'same'"),
    ({"padding": "same", "strides": 2}, "`strides` must be 1"),
    ({"padding": "same", "dilation_rate": 2}, "`dilation_rate` must be 1"),
    ({"padding": "same", "groups": 2}, "`groups` must be 1"),
    ({"padding": "same", "data_format": "channels_first"}, "`data_format` must be 'channels_last'"),
    ({"padding": "same", "method": "fast"}, "`method` must be one of"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ShiftedSumConv2D(4, 3, **kwargs)


def test_mixed_precision_computes_in_the_policy_dtype():
    x = np.random.default_rng(2).normal(size=(2, 5, 5, 4)).astype("float32")
    assert_mixed_precision_like_twin(ShiftedSumConv2D(2, 3, padding="same", method="shifted_sum", dtype="mixed_bfloat16"),
                                     keras.layers.Conv2D(2, 3, padding="same", dtype="mixed_bfloat16"), x)
