"""The protocol of a dequantizer: integer pixels to values in their cells, with log q(u|x)."""

import math

import keras
from keras import ops

from keras_vi.utils import check_pixels, full_precision

NUM_BINS = 256
# The most u may be: x + u stays below x + 1 in float32 for every x <= 255
# (the float32 spacing near 256 is 2**-16), so v never leaves its cell.
MAX_OFFSET = 1.0 - 2.0**-15


class Dequantizer(keras.layers.Layer):
    """Base of the dequantizers: x in {0..255}^D -> v = (x + u) / 256, u in [0, 1)^D.

    A continuous density p(v) put on dequantized data bounds the discrete
    likelihood: log P(x) >= E_q(u|x)[log p(v) - log q(u|x)] - D log 256
    (Theis et al., 2016; Ho et al., 2019). Calling a dequantizer on integer
    images returns `(v, log_q)`: v shaped like x, in [x/256, (x+1)/256),
    and log q(u|x) per example (batch,). `check_data` is the eager check of
    integer pixels; `log_bin_volume(data_shape)` is the -D log 256 term.
    """

    num_bins = NUM_BINS

    def __init__(self, **kwargs):
        super().__init__(**full_precision(kwargs))  # cells and log q(u|x) in float32

    # what default encoders apply to the integer images: the cell centres (x + 0.5) / 256
    input_rescaling = (1.0 / NUM_BINS, 0.5 / NUM_BINS)

    def check_data(self, x, name, expected_shape=None):
        """Eager check of a NumPy batch: whole numbers in [0, 255]; returns it."""
        return check_pixels(x, name, self.num_bins, expected_shape, type(self).__name__)

    def log_bin_volume(self, data_shape):
        """-D log 256: the log-volume of one cell of the dequantized data."""
        return -math.prod(data_shape) * math.log(self.num_bins)

    def compute_output_spec(self, x, seed=None):
        v = keras.KerasTensor(tuple(x.shape), dtype=self.compute_dtype)
        return v, keras.KerasTensor((x.shape[0],), dtype=self.compute_dtype)

    def _to_cells(self, x, u):
        """v = (x + u) / 256 with u kept below 1 (see MAX_OFFSET)."""
        return (ops.cast(x, self.compute_dtype) + ops.clip(u, 0.0, MAX_OFFSET)) / self.num_bins
