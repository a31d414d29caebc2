"""Masked convolutions: the autoregressive building block of PixelCNN."""

import keras
import numpy as np
from keras import ops

from keras_vi.api_export import keras_vi_export


def causal_mask(kernel_size, mask_type):
    """(kh, kw) 0/1 mask: rows above the centre, and the centre row up to it.

    Mask "A" excludes the centre pixel (first layer: a pixel must not see
    itself); mask "B" includes it (later layers: the centre feature already
    depends only on earlier pixels).
    """
    kh, kw = kernel_size
    mask = np.zeros((kh, kw), np.float32)
    mask[: kh // 2, :] = 1.0
    mask[kh // 2, : kw // 2 + (mask_type == "B")] = 1.0
    return mask


@keras_vi_export("keras_vi.layers.MaskedConv2D")
class MaskedConv2D(keras.layers.Conv2D):
    """A `Conv2D` whose kernel only sees pixels before the centre in raster order.

    The mask multiplies the kernel in every call, so the masked weights get
    zero gradient and never take part (van den Oord et al., 2016, Pixel
    Recurrent Neural Networks, Section 3.4). Inputs are channels-last; padding
    is "same" and strides 1, as the masking requires.

    Args:
        filters: output channels.
        kernel_size: int or (kh, kw), odd sizes.
        mask_type: `"A"` (excludes the centre pixel) or `"B"` (includes it).
        **kwargs: other `Conv2D` arguments (activation, initializers, ...).

    Examples:
        >>> from keras import ops
        >>> from keras_vi.layers import MaskedConv2D
        >>> layer = MaskedConv2D(4, 3, mask_type="A")
        >>> tuple(layer(ops.ones((1, 5, 5, 2))).shape)
        (1, 5, 5, 4)
    """

    def __init__(self, filters, kernel_size, mask_type="B", **kwargs):
        if mask_type not in ("A", "B"):
            raise ValueError(f"`mask_type` must be 'A' or 'B', got {mask_type!r}.")
        for key, allowed in (("padding", "same"), ("strides", 1), ("data_format", "channels_last")):
            value = kwargs.get(key, allowed)
            value = tuple(value) if isinstance(value, list) else value  # lists come from JSON
            if value not in (allowed, (allowed, allowed)):
                raise ValueError(f"`{key}` must be {allowed!r} for MaskedConv2D.")
        kwargs.update(padding="same", strides=1, data_format="channels_last")
        super().__init__(filters, kernel_size, **kwargs)
        if any(k % 2 == 0 for k in self.kernel_size):
            raise ValueError(f"`kernel_size` must be odd, got {self.kernel_size}.")
        self.mask_type = mask_type
        self.mask = causal_mask(self.kernel_size, mask_type)[:, :, None, None]

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * ops.convert_to_tensor(self.mask, kernel.dtype))

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type}
