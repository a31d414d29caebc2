"""A Conv2DTranspose computed as one matrix product over input patches and a depth-to-space shuffle."""

import keras
import numpy as np
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.utils import bias_and_activation, check_fixed_layer_arguments

METHODS = ("auto", "sub_pixel", "transpose")
# "auto": the faster way on each backend, measured on CPU by benchmarks/conv_transpose.py
# (benchmarks/README.md): on JAX the sub-pixel way from 8 filters up (XLA computes the kernel
# gradient of a transposed convolution, a convolution with a dilated kernel, several times
# slower than a matrix product; with fewer filters the patches cost more than they save);
# TensorFlow's and PyTorch's own transposed convolutions are as fast or faster.
_SUB_PIXEL_MIN_FILTERS = {"jax": 8}


def phase_taps(kernel_size, stride):
    """For one spatial dimension of a "same" transposed convolution: (taps, left).

    Keras' transposed convolution with "same" padding gives output
    `y[o] = sum_k x[(o + c - k) / stride] w[k]` over the k where the index is
    an integer (c = kernel_size - 1 - its left padding). Output o = stride * m + r
    (phase r) reads input m + d for a few offsets d. `taps[t, r]` is the kernel
    index k that output phase r applies to input m + t - left, or -1 where none.
    """
    pad_len = stride + kernel_size - 2
    c = kernel_size - 1 - min(pad_len // 2 + pad_len % 2, kernel_size - 1)
    offsets = {(r, k): (r + c - k) // stride for r in range(stride) for k in range(kernel_size)
               if (r + c - k) % stride == 0}
    low, high = min(0, *offsets.values()), max(0, *offsets.values())
    taps = np.full((high - low + 1, stride), -1, np.int64)
    for (r, k), d in offsets.items():
        taps[d - low, r] = k
    return taps, -low


def _selection(taps, kernel_size):
    """0/1 array (window, stride, kernel_size): taps as a matrix the kernel is contracted with."""
    window, stride = taps.shape
    s = np.zeros((window, stride, kernel_size), np.float32)
    for t in range(window):
        for r in range(stride):
            if taps[t, r] >= 0:
                s[t, r, taps[t, r]] = 1.0
    return s


@keras_vi_export("keras_vi.layers.SubPixelConv2DTranspose")
class SubPixelConv2DTranspose(keras.layers.Conv2DTranspose):
    """`Conv2DTranspose` ("same" padding) that can run as a sub-pixel convolution.

    The same layer as `keras.layers.Conv2DTranspose` (same arguments, kernel,
    initialization and outputs), computed another way where that is faster:
    each of the stride x stride output phases of a transposed convolution
    reads a small window of the input, so the layer is one stride-1
    convolution with stride² · filters channels (one matrix product over the
    input's patches), whose kernel is gathered from the transposed kernel,
    followed by a depth-to-space shuffle (Shi et al.,
    2016, "Real-Time Single Image and Video Super-Resolution Using an
    Efficient Sub-Pixel Convolutional Neural Network"). On JAX's CPU backend
    this trains several times faster than the transposed convolution, whose
    kernel gradient XLA computes slowly (benchmarks/README.md).

    Args:
        filters: output channels.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw).
        method: `"auto"` (the faster way on the current backend: the
            sub-pixel way on JAX from 8 filters up, else Keras' own),
            `"sub_pixel"` or `"transpose"` (Keras' own `conv_transpose`).
        **kwargs: other `Conv2DTranspose` arguments (activation, initializers,
            ...). Padding must be "same", channels last, no dilation and no
            `output_padding`.

    Example:
        >>> import numpy as np
        >>> from keras_vi.layers import SubPixelConv2DTranspose
        >>> layer = SubPixelConv2DTranspose(4, 3, strides=2, padding="same")
        >>> tuple(layer(np.ones((1, 5, 5, 2), "float32")).shape)
        (1, 10, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), method="auto", **kwargs):
        if method not in METHODS:
            raise ValueError(f"`method` must be one of {METHODS}, got {method!r}.")
        check_fixed_layer_arguments(kwargs, {"padding": "same", "data_format": "channels_last",
                                             "dilation_rate": 1, "output_padding": None},
                                    "SubPixelConv2DTranspose")
        kwargs.update(padding="same", data_format="channels_last")
        super().__init__(filters, kernel_size, strides=strides, **kwargs)
        self.method = method
        # per spatial dimension: the input window's left padding, and the 0/1 array
        # (window, stride, kernel_size) that gathers the sub-pixel kernel from the kernel
        (taps_h, self._left_h), (taps_w, self._left_w) = (
            phase_taps(k, s) for k, s in zip(self.kernel_size, self.strides))
        self._select_h = _selection(taps_h, self.kernel_size[0])
        self._select_w = _selection(taps_w, self.kernel_size[1])

    def resolved_method(self):
        """The way this layer computes on the current backend."""
        if self.method != "auto":
            return self.method
        least = _SUB_PIXEL_MIN_FILTERS.get(keras.backend.backend())
        return "sub_pixel" if least is not None and self.filters >= least else "transpose"

    def call(self, inputs):
        if self.resolved_method() == "transpose":
            return super().call(inputs)
        (sh, sw), f = self.strides, self.filters
        window_h, window_w = self._select_h.shape[0], self._select_w.shape[0]
        dtype = inputs.dtype  # the compute dtype (mixed precision: float16 or bfloat16)
        select_h = ops.convert_to_tensor(self._select_h, dtype)
        select_w = ops.convert_to_tensor(self._select_w, dtype)
        # (kh, kw, filters, in) -> (window_h, window_w, in, sh * sw * filters)
        kernel = ops.einsum("ark,bsl,klfc->abcrsf", select_h, select_w, ops.cast(self.kernel, dtype))
        kernel = ops.reshape(kernel, (window_h * window_w * kernel.shape[2], sh * sw * f))
        padded = ops.pad(inputs, ((0, 0), (self._left_h, window_h - 1 - self._left_h),
                                  (self._left_w, window_w - 1 - self._left_w), (0, 0)))
        # the stride-1 convolution as one matrix product over the window's patches: XLA's CPU
        # matrix product is faster than its convolution here (benchmarks/conv_transpose.py).
        # The product is of 2-D arrays: with (batch, h, w, c) patches XLA transposes the
        # gradient before the kernel's product, and the default decoders' layers took
        # 1.2-1.4x as long (benchmarks/README.md)
        height, width = ops.shape(inputs)[1], ops.shape(inputs)[2]
        patches = ops.concatenate([padded[:, a:a + height, b:b + width] for a in range(window_h)
                                   for b in range(window_w)], axis=-1)
        outputs = ops.matmul(ops.reshape(patches, (-1, kernel.shape[0])), kernel)
        outputs = ops.reshape(outputs, (-1, height, width, sh, sw, f))
        outputs = ops.transpose(outputs, (0, 1, 3, 2, 4, 5))
        outputs = ops.reshape(outputs, (-1, height * sh, width * sw, f))
        return bias_and_activation(self, outputs)

    def get_config(self):
        return {**super().get_config(), "method": self.method}
