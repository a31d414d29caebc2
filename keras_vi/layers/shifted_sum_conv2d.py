"""A stride-1 Conv2D computed as one matrix product per pixel followed by a sum of shifted slices."""

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.utils import bias_and_activation, check_fixed_layer_arguments

METHODS = ("auto", "shifted_sum", "conv")
# "auto": the shifted-sum way where it was measured faster, on CPU by
# benchmarks/conv_head.py (benchmarks/README.md): on JAX, when its per-pixel product is no
# wider than the input (kernel_h * kernel_w * filters <= input channels, e.g. the default
# decoders' 3x3 head to 1 channel from 32): XLA's CPU backend computes the kernel gradient
# of such a convolution slowly, and the matrix product's is fast. Elsewhere Keras' own.
_SHIFTED_SUM_BACKENDS = ("jax",)


@keras_vi_export("keras_vi.layers.ShiftedSumConv2D")
class ShiftedSumConv2D(keras.layers.Conv2D):
    """`Conv2D` ("same" padding, stride 1) that can run as a matrix product and a shifted sum.

    The same layer as `keras.layers.Conv2D` (same arguments, kernel,
    initialization and outputs), computed another way where that is faster:
    each pixel's input channels are multiplied by the whole kernel at once,
    `z[n, i, j, a, b] = x[n, i, j] @ kernel[a, b]` (one matrix product with
    kernel_h * kernel_w * filters columns), and the output sums the tap
    `(a, b)` of the pixel it reads, `y[n, i, j] = sum_ab z[n, i + a - p, j + b - q, a, b]`
    (p, q: the "same" padding on the top and left). With few filters, such as
    an image decoder's last layer, the product is small and its gradients are
    matrix products too. On JAX's CPU backend, whose kernel gradient of the
    convolution is slow, its forward and backward pass took a fifth to two
    thirds of the convolution's time with 1 to 3 filters from 32 channels
    (benchmarks/README.md).

    Args:
        filters: output channels.
        kernel_size: int or (kh, kw).
        method: `"auto"` (the shifted-sum way on JAX when `kh * kw * filters`
            is at most the input channels, else Keras' own), `"shifted_sum"`
            or `"conv"` (Keras' own convolution).
        **kwargs: other `Conv2D` arguments (activation, initializers, ...).
            Padding must be "same", channels last, stride 1, no dilation and
            one group.

    Example:
        >>> import numpy as np
        >>> from keras_vi.layers import ShiftedSumConv2D
        >>> layer = ShiftedSumConv2D(1, 3, padding="same")
        >>> tuple(layer(np.ones((2, 5, 5, 16), "float32")).shape)
        (2, 5, 5, 1)
    """

    def __init__(self, filters, kernel_size, method="auto", **kwargs):
        if method not in METHODS:
            raise ValueError(f"`method` must be one of {METHODS}, got {method!r}.")
        check_fixed_layer_arguments(kwargs, {"padding": "same", "data_format": "channels_last",
                                             "strides": 1, "dilation_rate": 1, "groups": 1},
                                    "ShiftedSumConv2D")
        kwargs.update(padding="same", data_format="channels_last")
        super().__init__(filters, kernel_size, **kwargs)
        self.method = method

    def resolved_method(self, input_channels=None):
        """The way this layer computes on the current backend (`input_channels`: once built, its own)."""
        if self.method != "auto":
            return self.method
        if input_channels is None:
            if not self.built:
                raise ValueError("`input_channels` is needed before the layer is built.")
            input_channels = self.kernel.shape[2]
        kh, kw = self.kernel_size
        narrow = kh * kw * self.filters <= input_channels
        return "shifted_sum" if narrow and keras.backend.backend() in _SHIFTED_SUM_BACKENDS else "conv"

    def call(self, inputs):
        if self.resolved_method() == "conv":
            return super().call(inputs)
        (kh, kw), f = self.kernel_size, self.filters
        channels = self.kernel.shape[2]
        dtype = inputs.dtype  # the compute dtype (mixed precision: float16 or bfloat16)
        # (kh, kw, in, filters) -> (in, kh * kw * filters), taps in row-major order
        kernel = ops.reshape(ops.transpose(ops.cast(self.kernel, dtype), (2, 0, 1, 3)), (channels, kh * kw * f))
        height, width = ops.shape(inputs)[1], ops.shape(inputs)[2]
        # a product of 2-D arrays: XLA's CPU backend runs it and its gradients as plain matrix products
        z = ops.matmul(ops.reshape(inputs, (-1, channels)), kernel)
        z = ops.reshape(z, (-1, height, width, kh * kw * f))
        # "same" padding of Keras' convolution: (k - 1) // 2 before, the rest after
        top, left = (kh - 1) // 2, (kw - 1) // 2
        z = ops.pad(z, ((0, 0), (top, kh - 1 - top), (left, kw - 1 - left), (0, 0)))
        outputs = None
        for a in range(kh):
            for b in range(kw):
                tap = (a * kw + b) * f
                term = z[:, a:a + height, b:b + width, tap:tap + f]
                outputs = term if outputs is None else ops.add(outputs, term)
        return bias_and_activation(self, outputs)

    def get_config(self):
        return {**super().get_config(), "method": self.method}
