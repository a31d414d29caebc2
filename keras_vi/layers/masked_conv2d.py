"""Masked convolutions: the autoregressive building block of PixelCNN."""

import keras
import numpy as np
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_fixed_layer_arguments


STACKS = ("raster", "vertical", "horizontal")


def causal_mask(kernel_size, mask_type, stack="raster"):
    """(kh, kw) 0/1 mask of the kernel positions a masked convolution uses.

    - `"raster"` (PixelCNN): rows above the centre, and the centre row up to
      the centre.
    - `"vertical"` (Gated PixelCNN's vertical stack): the rows above the
      centre, whole; with mask "B" the centre row too, whole.
    - `"horizontal"`: the centre row up to the centre.

    Mask "A" excludes the centre (first layer: a pixel must not see itself);
    mask "B" includes it (later layers: the centre feature already depends
    only on earlier pixels).
    """
    kh, kw = kernel_size
    centre = mask_type == "B"
    mask = np.zeros((kh, kw), np.float32)
    if stack != "horizontal":
        mask[: kh // 2, :] = 1.0
    if stack == "vertical":
        mask[kh // 2, :] = float(centre)
    else:
        mask[kh // 2, : kw // 2 + centre] = 1.0
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
        stack: `"raster"` (the PixelCNN mask), or `"vertical"` / `"horizontal"`
            for the two stacks of Gated PixelCNN (`causal_mask`).
        **kwargs: other `Conv2D` arguments (activation, initializers, ...).

    Examples:
        >>> from keras import ops
        >>> from keras_vi.layers import MaskedConv2D
        >>> layer = MaskedConv2D(4, 3, mask_type="A")
        >>> tuple(layer(ops.ones((1, 5, 5, 2))).shape)
        (1, 5, 5, 4)
    """

    def __init__(self, filters, kernel_size, mask_type="B", stack="raster", **kwargs):
        if mask_type not in ("A", "B"):
            raise ValueError(f"`mask_type` must be 'A' or 'B', got {mask_type!r}.")
        if stack not in STACKS:
            raise ValueError(f"`stack` must be one of {STACKS}, got {stack!r}.")
        check_fixed_layer_arguments(kwargs, {"padding": "same", "strides": 1, "data_format": "channels_last"},
                                    "MaskedConv2D")
        kwargs.update(padding="same", strides=1, data_format="channels_last")
        super().__init__(filters, kernel_size, **kwargs)
        if any(k % 2 == 0 for k in self.kernel_size):
            raise ValueError(f"`kernel_size` must be odd, got {self.kernel_size}.")
        self.mask_type, self.stack = mask_type, stack
        self.mask = causal_mask(self.kernel_size, mask_type, stack)[:, :, None, None]

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * ops.convert_to_tensor(self.mask, kernel.dtype))

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type, "stack": self.stack}
