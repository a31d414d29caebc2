"""PixelCNN: an autoregressive model over integer grids."""

import math

import keras
import numpy as np
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers import GatedPixelCNNBlock, MaskedConv2D
from keras_vi.utils import check_positive_int, check_seed, to_numpy
from keras_vi.zoo.base import ZooModel


@keras_vi_export("keras_vi.zoo.PixelCNN")
class PixelCNN(ZooModel):
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

    @property
    def conditional(self):
        return self.num_conditions is not None or self.condition_dim is not None

    def _split(self, inputs):
        if self.conditional:
            if not isinstance(inputs, dict) or set(inputs) != {"x", "condition"}:
                raise ValueError(
                    "`inputs` of a conditional PixelCNN must be a dict "
                    "{'x': grid, 'condition': labels or vectors}."
                )
            return inputs["x"], inputs["condition"]
        if isinstance(inputs, dict):
            raise ValueError("`inputs` of an unconditional PixelCNN must be a grid, not a dict.")
        return inputs, None

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

    def _nll(self, x, logits):
        x = ops.cast(x, "int32")
        logits = ops.cast(logits, self.variable_dtype)  # the log-softmax in float32 under mixed precision
        log_p = ops.take_along_axis(ops.log_softmax(logits, axis=-1), x[..., None], axis=-1)
        return -ops.sum(log_p, axis=(1, 2, 3))

    def log_prob(self, inputs):
        """Exact log p(x) per example, in nats: (batch,)."""
        self.check_eager(inputs)
        x, _ = self._split(inputs)
        return -self._nll(x, self(inputs))

    def bits_per_dim(self, inputs):
        """-log2 p(x) / (H * W) per example."""
        return -ops.convert_to_numpy(self.log_prob(inputs)) / (
            math.log(2) * self.grid_shape[0] * self.grid_shape[1]
        )

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        grid, _ = self._split(x)
        nll = self._nll(grid, y_pred)
        self.nll_tracker.update_state(nll, sample_weight=sample_weight)
        return self.replica_loss(self.weighted_loss(nll, sample_weight), x)

    def validate_batch(self, batch, name):
        grid, condition = self._split(batch)
        grid = to_numpy(grid)
        if not np.issubdtype(grid.dtype, np.integer):
            raise ValueError(f"`{name}` must hold integers, got dtype {grid.dtype}.")
        expected = self.grid_shape or grid.shape[1:3]
        if grid.ndim != 3 or tuple(grid.shape[1:]) != tuple(expected) or grid.shape[0] == 0:
            raise ValueError(
                f"`{name}` must be integer grids of shape (batch >= 1, {', '.join(map(str, expected)) or 'H, W'}), "
                f"got shape {grid.shape}."
            )
        if grid.size and (grid.min() < 0 or grid.max() >= self.num_classes):
            raise ValueError(
                f"`{name}` values must lie in [0, {self.num_classes}), got "
                f"[{grid.min()}, {grid.max()}]."
            )
        if condition is not None:
            self._check_condition(to_numpy(condition), len(grid))

    def _check_condition(self, condition, n):
        if self.num_conditions is not None:
            if condition.shape != (n,) or not np.issubdtype(condition.dtype, np.integer):
                raise ValueError(f"`condition` must be {n} integer labels, got {condition.dtype} {condition.shape}.")
            if condition.min() < 0 or condition.max() >= self.num_conditions:
                raise ValueError(f"`condition` values must lie in [0, {self.num_conditions}).")
        elif condition.shape != (n, self.condition_dim) or not np.all(np.isfinite(condition)):
            raise ValueError(
                f"`condition` must be finite vectors of shape ({n}, {self.condition_dim}), "
                f"got shape {condition.shape}.")

    def generate(self, n, seed, condition=None):
        """Draws grids pixel by pixel in raster order: (n, H, W) int32.

        `sample(n, seed=None, condition=None)` calls it; `condition`: (n,)
        labels or (n, condition_dim) vectors, required exactly for a
        conditional model. Each position is one call of the model's compiled
        predict step (`predict_on_batch`) on the grid drawn so far.
        """
        if (condition is None) == self.conditional:
            raise ValueError("`condition` is required exactly when the model is conditional.")
        if condition is not None:
            condition = to_numpy(condition)
            self._check_condition(condition, n)
        seed = check_seed(seed)  # an int becomes a generator: one stream across the positions
        height, width = self.grid_shape
        grid = np.zeros((n, height, width), np.int32)
        for i in range(height):
            for j in range(width):
                inputs = grid if condition is None else {"x": grid, "condition": condition}
                logits = self.predict_on_batch(inputs)[:, i, j, :]
                draw = keras.random.categorical(logits, 1, seed=seed, dtype="int32")
                grid[:, i, j] = ops.convert_to_numpy(draw)[:, 0]
        return grid

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
