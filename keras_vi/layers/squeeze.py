"""Space to depth: the squeeze of multi-scale flows."""

from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers.bijector import Bijector


@keras_vi_export("keras_vi.layers.Squeeze")
class Squeeze(Bijector):
    """(batch, H, W, C) -> (batch, H/2, W/2, 4C): each 2x2 patch becomes channels.

    A permutation of the units, so log_det = 0. It trades resolution for
    channels, which lets channel-masked couplings and 1x1 convolutions mix
    neighbouring pixels (RealNVP's multi-scale architecture).

    Args:
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        x: images (batch, H, W, C) with H and W even.

    Returns:
        (y, log_det): y (batch, H/2, W/2, 4C); log_det zeros (batch,).

    Examples:
        >>> import numpy as np
        >>> from keras_vi.layers import Squeeze
        >>> y, log_det = Squeeze().forward_and_log_det(np.zeros((2, 4, 6, 1), "float32"))
        >>> tuple(y.shape)
        (2, 2, 3, 4)

    Reference:
        Dinh, Sohl-Dickstein and Bengio, Density estimation using Real NVP, ICLR 2017.
    """

    def build(self, input_shape):
        self.built = True

    @staticmethod
    def _check(shape, what):
        if len(shape) != 4 or shape[1] is None or shape[2] is None or shape[1] % 2 or shape[2] % 2:
            raise ValueError(
                f"Squeeze takes {what} (batch, H, W, C) with H and W even, got shape {tuple(shape)}."
            )

    def compute_output_shape(self, input_shape):
        self._check(tuple(input_shape), "images")
        batch, height, width, channels = input_shape
        return (batch, height // 2, width // 2, 4 * channels)

    def _forward(self, x, context):
        batch, height, width, channels = self.compute_output_shape(tuple(x.shape))
        x = ops.reshape(x, (-1, height, 2, width, 2, channels // 4))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        y = ops.reshape(x, (-1, height, width, channels))
        return y, ops.zeros_like(y[:, 0, 0, 0])

    def _inverse(self, y, context):
        shape = tuple(y.shape)
        if len(shape) != 4 or shape[3] % 4:
            raise ValueError(f"Squeeze.inverse takes (batch, H, W, 4C), got shape {shape}.")
        _, height, width, channels = shape
        x = ops.reshape(y, (-1, height, width, 2, 2, channels // 4))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        x = ops.reshape(x, (-1, 2 * height, 2 * width, channels // 4))
        return x, ops.zeros_like(y[:, 0, 0, 0])
