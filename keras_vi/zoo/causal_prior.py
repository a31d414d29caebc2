"""An autoregressive prior over integer codes of any shape: WaveNet's gated causal convolutions."""

import math

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers import GatedCausalBlock
from keras_vi.utils import check_positive_int
from keras_vi.zoo.autoregressive import GridAutoregressiveModel


@keras_vi_export("keras_vi.zoo.CausalPrior")
class CausalPrior(GridAutoregressiveModel):
    """p(c) = prod_i p(c_i | c_<i) over a grid of integers of any shape, in raster order.

    A grid (a sequence of T codes, an (H, W) image of codes, a (T, H, W)
    video of codes) is read in raster (C) order as one sequence of N values.
    Each value is embedded and the sequence is shifted one step right, so
    position i sees only the values before it; `num_layers` WaveNet blocks
    (`layers.GatedCausalBlock`, dilations 1, 2, 4, ... restarting every
    `dilation_cycle` layers) follow, and their summed skip outputs (with the
    last block's residual output) give `num_classes` logits per position. Training maximizes the exact
    log-likelihood. A position sees the `receptive_field` values before it.

    `zoo.PixelCNN` is the two-dimensional alternative (two stacks, no blind
    spot); this model takes any grid, so it is the VQ-VAE's prior for speech
    and video codes.

    Args:
        num_classes: values lie in [0, num_classes).
        num_layers: gated causal blocks.
        filters: channels of the residual stream.
        kernel_size: taps of each causal convolution.
        dilation_cycle: the dilation doubles for this many layers, then
            restarts at 1.
        num_conditions: None, or the number of classes of a label condition;
            inputs are then dicts {"x": grid, "condition": labels}.
        seed: int or None, for `sample`.

    Call arguments:
        inputs: (batch, *grid_shape) integers, or the dict above.

    Returns (of `call`):
        (batch, *grid_shape, num_classes) logits.

    Reference:
        van den Oord et al., WaveNet: A Generative Model for Raw Audio, 2016;
        van den Oord, Vinyals and Kavukcuoglu, Neural Discrete Representation
        Learning, NeurIPS 2017 (a WaveNet prior over speech codes).
    """

    embedding_tables = True

    def __init__(self, num_classes, num_layers=8, filters=64, kernel_size=2, dilation_cycle=8,
                 num_conditions=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.num_classes = check_positive_int(num_classes, "num_classes")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.dilation_cycle = check_positive_int(dilation_cycle, "dilation_cycle")
        self.num_conditions = None if num_conditions is None else check_positive_int(
            num_conditions, "num_conditions")
        self.condition_dim = None  # labels only
        self.embedding = keras.layers.Embedding(num_classes, filters)
        self.blocks = [
            GatedCausalBlock(filters, kernel_size, dilation_rate=2 ** (i % self.dilation_cycle),
                             num_conditions=self.num_conditions)
            for i in range(self.num_layers)
        ]
        self.hidden = keras.layers.Conv1D(filters, 1, activation="relu")
        self.head = keras.layers.Conv1D(num_classes, 1)
        self.nll_tracker = keras.metrics.Mean(name="nll")
        self.grid_shape = None

    @property
    def receptive_field(self):
        """How many earlier positions the logits at one position can see."""
        return sum((self.kernel_size - 1) * 2 ** (i % self.dilation_cycle)
                   for i in range(self.num_layers)) + 1

    def build(self, input_shape):
        shape = input_shape["x"] if isinstance(input_shape, dict) else input_shape
        if len(shape) < 2 or any(d is None for d in shape[1:]):
            raise ValueError(f"`x` must be integer grids of shape (batch, *grid) with known sizes, "
                             f"got shape {tuple(shape)}.")
        self.grid_shape = tuple(int(d) for d in shape[1:])
        features = (None, math.prod(self.grid_shape), self.filters)
        self.embedding.build((None, features[1]))
        for block in self.blocks:
            block.build([features, (None,)] if self.conditional else features)
        self.hidden.build(features)
        self.head.build(features)
        self.built = True

    def call(self, inputs):
        x, condition = self._split(inputs)
        sequence = ops.reshape(ops.cast(x, "int32"), (-1, math.prod(self.grid_shape)))
        embedded = self.embedding(sequence)
        # one step right: position i sees the values before it, never its own
        h = ops.pad(embedded, ((0, 0), (1, 0), (0, 0)))[:, :-1, :]
        skips = 0.0
        for block in self.blocks:
            h, skip = block(h if condition is None else [h, condition])
            skips = skips + skip
        # the last block's residual output joins the skips, so every weight gets a gradient
        logits = self.head(self.hidden(ops.relu(skips + h)))
        return ops.reshape(logits, (-1, *self.grid_shape, self.num_classes))

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_classes": self.num_classes,
            "num_layers": self.num_layers,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "dilation_cycle": self.dilation_cycle,
            "num_conditions": self.num_conditions,
        })
        return config
