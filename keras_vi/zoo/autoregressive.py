"""What the autoregressive models over integer grids share: the exact likelihood, input checks, sampling."""

import math

import keras
import numpy as np
from keras import ops

from keras_vi.utils import check_seed, to_numpy
from keras_vi.zoo.base import ZooModel


class GridAutoregressiveModel(ZooModel):
    """p(x) = prod_i p(x_i | x_<i) over a grid of integers in [0, num_classes), raster order.

    A subclass sets `num_classes`, `num_conditions` and `condition_dim` (None or an int; at
    most one of the two), `grid_shape` in `build`, and `call(inputs) -> (batch, *grid_shape,
    num_classes)` logits whose position i depends on the values before it only. This class
    gives the exact log-likelihood, the training loss, the input checks and sampling.
    Inputs of a conditional model are dicts {"x": grid, "condition": labels or vectors}.
    `grid_ndim`: the rank of a grid the model takes (None: any).
    """

    grid_ndim = None

    @property
    def conditional(self):
        return self.num_conditions is not None or self.condition_dim is not None

    def _split(self, inputs):
        if self.conditional:
            if not isinstance(inputs, dict) or set(inputs) != {"x", "condition"}:
                raise ValueError(
                    f"`inputs` of a conditional {type(self).__name__} must be a dict "
                    "{'x': grid, 'condition': labels or vectors}."
                )
            return inputs["x"], inputs["condition"]
        if isinstance(inputs, dict):
            raise ValueError(f"`inputs` of an unconditional {type(self).__name__} must be a grid, not a dict.")
        return inputs, None

    def _nll(self, x, logits):
        x = ops.cast(x, "int32")
        logits = ops.cast(logits, self.variable_dtype)  # the log-softmax in float32 under mixed precision
        log_p = ops.take_along_axis(ops.log_softmax(logits, axis=-1), x[..., None], axis=-1)
        return -ops.sum(ops.reshape(log_p, (ops.shape(log_p)[0], -1)), axis=1)

    def log_prob(self, inputs):
        """Exact log p(x) per example, in nats: (batch,)."""
        self.check_eager(inputs)
        x, _ = self._split(inputs)
        return -self._nll(x, self(inputs))

    def bits_per_dim(self, inputs):
        """-log2 p(x) / (number of positions) per example."""
        return -ops.convert_to_numpy(self.log_prob(inputs)) / (math.log(2) * math.prod(self.grid_shape))

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
        expected = self.grid_shape
        if expected is None:
            rank_ok = grid.ndim >= 2 if self.grid_ndim is None else grid.ndim == 1 + self.grid_ndim
        else:
            rank_ok = tuple(grid.shape[1:]) == tuple(expected)
        if not rank_ok or grid.shape[0] == 0:
            form = ", ".join(map(str, expected)) if expected else ("H, W" if self.grid_ndim == 2 else "*grid")
            raise ValueError(f"`{name}` must be integer grids of shape (batch >= 1, {form}), got shape {grid.shape}.")
        if grid.min() < 0 or grid.max() >= self.num_classes:
            raise ValueError(f"`{name}` values must lie in [0, {self.num_classes}), got [{grid.min()}, {grid.max()}].")
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
        """Draws grids value by value in raster order: (n, *grid_shape) int32.

        `sample(n, seed=None, condition=None)` calls it; `condition`: (n,) labels or
        (n, condition_dim) vectors, required exactly for a conditional model. Each position
        is one call of the model's compiled predict step (`predict_on_batch`) on the grid
        drawn so far.
        """
        if (condition is None) == self.conditional:
            raise ValueError("`condition` is required exactly when the model is conditional.")
        if condition is not None:
            condition = to_numpy(condition)
            self._check_condition(condition, n)
        seed = check_seed(seed)  # an int becomes a generator: one stream across the positions
        length = math.prod(self.grid_shape)
        grid = np.zeros((n, *self.grid_shape), np.int32)
        flat = grid.reshape(n, length)  # a view: writing it fills `grid`
        for i in range(length):
            inputs = grid if condition is None else {"x": grid, "condition": condition}
            logits = np.reshape(self.predict_on_batch(inputs), (n, length, self.num_classes))[:, i]
            draw = keras.random.categorical(logits, 1, seed=seed, dtype="int32")
            flat[:, i] = ops.convert_to_numpy(draw)[:, 0]
        return grid
