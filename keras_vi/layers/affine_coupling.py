"""RealNVP's affine coupling layer, with a checkerboard or channel mask."""

import keras
import numpy as np
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers.bijector import Bijector, sum_per_example
from keras_vi.utils import check_choice, check_positive_int

MASKS = ("checkerboard", "channel")


@keras_vi_export("keras_vi.layers.AffineCoupling")
class AffineCoupling(Bijector):
    """y = x on half the units; y = x * exp(s) + t on the other half.

    s and t are computed by a small conv net from the half that is kept
    (and from a `context`, for a conditional flow), so the Jacobian is
    triangular and log |det| is the sum of s. The mask picks the halves:
    `"checkerboard"` alternates pixels (any channel count), `"channel"`
    splits the channels (at least 2; after a `Squeeze`). `parity` swaps the
    halves, so stacked layers alternate. The net's last convolution starts at
    zero, so the layer starts as the identity, and s is bounded,
    s = c * tanh(s_raw / c) with a learned per-channel c = exp(log_scale_bound)
    (Flow++ / the UvA tutorial), which keeps early training stable.

    Args:
        mask: `"checkerboard"` or `"channel"`.
        parity: 0 or 1, which half is transformed.
        filters: width of the hidden convolutions.
        context_channels: channels of the `context` the net also reads (0 for
            none).
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        x: images (batch, H, W, C).
        context: (batch, H, W, context_channels) when `context_channels > 0`.

    Returns:
        (y, log_det): y shaped like x; log_det (batch,).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.layers import AffineCoupling
        >>> layer = AffineCoupling(mask="checkerboard", filters=8)
        >>> x = np.random.default_rng(0).normal(size=(2, 4, 4, 1)).astype("float32")
        >>> y, log_det = layer.forward_and_log_det(x)
        >>> bool(np.allclose(ops.convert_to_numpy(layer.inverse(y)), x, atol=1e-5))
        True

    Reference:
        Dinh, Sohl-Dickstein and Bengio, Density estimation using Real NVP, ICLR 2017.
    """

    def __init__(self, mask="checkerboard", parity=0, filters=64, context_channels=0, **kwargs):
        super().__init__(**kwargs)
        self.mask = check_choice(mask, "mask", MASKS)
        self.parity = check_choice(parity, "parity", (0, 1))
        self.filters = check_positive_int(filters, "filters")
        if isinstance(context_channels, bool) or not isinstance(context_channels, int) or context_channels < 0:
            raise ValueError(f"`context_channels` must be an int >= 0, got {context_channels!r}.")
        self.context_channels = context_channels

    @property
    def takes_context(self):
        return self.context_channels > 0

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"AffineCoupling takes images (batch, H, W, C), got shape {tuple(input_shape)}.")
        height, width, channels = input_shape[1:]
        if self.mask == "channel" and channels < 2:
            raise ValueError(f"A channel mask needs at least 2 channels, got {channels} (squeeze first).")
        if self.mask == "checkerboard":
            grid = (np.arange(height)[:, None] + np.arange(width)[None, :] + self.parity) % 2
            self._keep = grid[..., None].astype(self.compute_dtype)  # 1 where x passes unchanged
            self._split = None
            in_channels = out_channels = channels
        else:
            self._split = channels // 2
            kept = self._split if self.parity == 0 else channels - self._split
            in_channels, out_channels = kept, channels - kept
        self._out_channels = out_channels
        self.net = [
            keras.layers.Conv2D(self.filters, 3, padding="same", activation="relu", name="conv_in",
                                dtype=self.dtype_policy),
            keras.layers.Conv2D(self.filters, 1, activation="relu", name="conv_hidden",
                                dtype=self.dtype_policy),
            keras.layers.Conv2D(2 * out_channels, 3, padding="same", kernel_initializer="zeros",
                                name="conv_out", dtype=self.dtype_policy),
        ]
        shape = (None, height, width, in_channels + self.context_channels)
        for layer in self.net:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.log_scale_bound = self.add_weight(shape=(out_channels,), initializer="zeros",
                                               name="log_scale_bound")
        self.built = True

    def _check_context_shape(self, x, context):
        if self.takes_context:
            if context is None:
                raise ValueError("AffineCoupling with `context_channels` needs a `context`.")
            if tuple(context.shape[1:]) != (*tuple(x.shape[1:3]), self.context_channels):
                raise ValueError(
                    f"`context` must have shape (batch, {x.shape[1]}, {x.shape[2]}, "
                    f"{self.context_channels}), got {tuple(context.shape)}."
                )

    def _shift_and_log_scale(self, kept, context):
        h = kept if context is None else ops.concatenate([kept, ops.cast(context, kept.dtype)], axis=-1)
        for layer in self.net:
            h = layer(h)
        shift, raw = h[..., : self._out_channels], h[..., self._out_channels :]
        bound = ops.exp(self.log_scale_bound)
        return shift, bound * ops.tanh(raw / bound)

    def _halves(self, x):
        first, second = x[..., : self._split], x[..., self._split :]
        return (first, second) if self.parity == 0 else (second, first)

    def _join(self, kept, changed):
        return ops.concatenate([kept, changed] if self.parity == 0 else [changed, kept], axis=-1)

    def _couple(self, x, context, inverse):
        """y = x * exp(s) + t on the changed half (or its inverse), and the log-det."""
        self._check_context_shape(x, context)
        if self._split is None:
            keep = ops.convert_to_tensor(self._keep, x.dtype)
            kept, changed = x * keep, x
        else:
            kept, changed = self._halves(x)
        shift, log_scale = self._shift_and_log_scale(kept, context)
        if self._split is None:
            log_scale = log_scale * (1.0 - keep)
        changed = (changed - shift) * ops.exp(-log_scale) if inverse else changed * ops.exp(log_scale) + shift
        y = kept + (1.0 - keep) * changed if self._split is None else self._join(kept, changed)
        log_det = sum_per_example(log_scale)
        return y, -log_det if inverse else log_det

    def _forward(self, x, context):
        return self._couple(x, context, inverse=False)

    def _inverse(self, y, context):
        return self._couple(y, context, inverse=True)

    def get_config(self):
        base_config = super().get_config()
        config = {"mask": self.mask, "parity": self.parity, "filters": self.filters,
                  "context_channels": self.context_channels}
        return {**base_config, **config}
