"""PixelCNN: an autoregressive model over integer grids."""


import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers import GatedPixelCNNBlock, MaskedConv2D
from keras_vi.utils import check_positive_int
from keras_vi.zoo.autoregressive import GridAutoregressiveModel


@keras_vi_export("keras_vi.zoo.PixelCNN")
class PixelCNN(GridAutoregressiveModel):
    """p(x) = prod_i p(x_i | x_<i) over an (H, W) grid of integers, raster order.

    Each value (a VQ-VAE code index, or a quantized pixel) is embedded; two
    mask-"A" convolutions start the vertical stack (the rows above, a
    `first_kernel_size` square) and the horizontal stack (the pixels to the
    left in the row); `num_layers` two-stack gated blocks follow
    (`layers.GatedPixelCNNBlock`: no blind spot), and a 1x1 head on the
    horizontal stack gives `num_classes` logits per position. Training
    maximizes the exact log-likelihood, a sum of categorical log-probabilities.

    With the defaults the last pixel of a 7x7 grid sees every earlier one;
    in general a pixel sees the rows up to `(first_kernel_size // 2) +
    num_layers * (kernel_size // 2)` above it within as many columns either
    side, and as many pixels to its left.

    Args:
        num_classes: values lie in [0, num_classes).
        num_layers: gated blocks after the first masked convolutions (>= 1:
            the rows above and the condition reach the output through them).
        filters: channels of each stack's hidden features.
        kernel_size: of the gated blocks' masked convolutions.
        first_kernel_size: of the first (mask A) convolutions.
        num_conditions: None, or the number of classes to condition on.
        condition_dim: None, or the size of a vector to condition on (a
            VAE's z: `zoo.ARVAE`). With either, inputs are dicts
            {"x": grid, "condition": labels or vectors}.
        seed: int or None, for `sample`.
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Call arguments:
        inputs: (batch, H, W) integers, or the dict above.

    Returns (of `call`):
        (batch, H, W, num_classes) logits.

    Reference:
        van den Oord, Kalchbrenner and Kavukcuoglu, Pixel Recurrent Neural
        Networks, 2016; van den Oord et al., Conditional Image Generation with
        PixelCNN Decoders, 2016.
    """

    embedding_tables = True  # the pixel embedding (and a class condition's)
    grid_ndim = 2

    def __init__(
        self,
        num_classes,
        num_layers=5,
        filters=64,
        kernel_size=3,
        first_kernel_size=7,
        num_conditions=None,
        condition_dim=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.num_classes = check_positive_int(num_classes, "num_classes")
        # >= 1: the vertical stack (the rows above) and the condition reach the
        # output only through the gated blocks
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.first_kernel_size = check_positive_int(first_kernel_size, "first_kernel_size")
        if num_conditions is not None and condition_dim is not None:
            raise ValueError("Give at most one of `num_conditions` and `condition_dim`.")
        if num_conditions is not None:
            num_conditions = check_positive_int(num_conditions, "num_conditions")
        if condition_dim is not None:
            condition_dim = check_positive_int(condition_dim, "condition_dim")
        self.num_conditions, self.condition_dim = num_conditions, condition_dim
        self.embedding = keras.layers.Embedding(num_classes, filters)
        self.first_vertical = MaskedConv2D(filters, first_kernel_size, mask_type="A", stack="vertical")
        self.first_horizontal = MaskedConv2D(
            filters, (1, first_kernel_size), mask_type="A", stack="horizontal")
        self.blocks = [
            GatedPixelCNNBlock(filters, kernel_size, num_conditions=num_conditions,
                               condition_dim=condition_dim)
            for _ in range(num_layers)
        ]
        self.hidden = keras.layers.Conv2D(filters, 1, activation="relu")
        self.head = keras.layers.Conv2D(num_classes, 1)
        self.nll_tracker = keras.metrics.Mean(name="nll")
        self.grid_shape = None

    @property
    def pixel_scale(self):
        """The top value, which pictures divide by."""
        return float(self.num_classes - 1)

    def build(self, input_shape):
        shape = input_shape["x"] if isinstance(input_shape, dict) else input_shape
        if len(shape) != 3 or shape[1] is None or shape[2] is None:
            raise ValueError(
                f"`x` must be integer grids of shape (batch, H, W), got shape {tuple(shape)}."
            )
        self.grid_shape = (int(shape[1]), int(shape[2]))
        features = (None, *self.grid_shape, self.filters)
        self.embedding.build((None, *self.grid_shape))
        self.first_vertical.build(features)
        self.first_horizontal.build(features)
        for block in self.blocks:
            block.build([features, features])
        self.hidden.build(features)
        self.head.build(features)
        self.built = True

    def call(self, inputs):
        x, condition = self._split(inputs)
        embedded = self.embedding(ops.cast(x, "int32"))
        v, h = self.first_vertical(embedded), self.first_horizontal(embedded)
        for block in self.blocks:
            v, h = block([v, h] if condition is None else [v, h, condition])
        return self.head(self.hidden(ops.relu(h)))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "num_layers": self.num_layers,
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "first_kernel_size": self.first_kernel_size,
                "num_conditions": self.num_conditions,
                "condition_dim": self.condition_dim,
            }
        )
        return config
