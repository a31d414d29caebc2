"""Variational dequantization: a flow q(u|x) conditioned on the image (Flow++)."""

import keras
from keras import ops

from keras_vi import _random
from keras_vi._replicas import draw_for_global_batch
from keras_vi.api_export import keras_vi_export
from keras_vi.layers.affine_coupling import AffineCoupling
from keras_vi.layers.bijector import sum_per_example
from keras_vi.layers.dequantizer import NUM_BINS, Dequantizer
from keras_vi.utils import check_positive_int

_EDGE = 1e-6  # u0 is kept off 0 and 1, where its logit is infinite


@keras_vi_export("keras_vi.layers.VariationalDequantization")
class VariationalDequantization(Dequantizer):
    """v = (x + u) / 256 with u ~ q(u|x), a learned conditional flow.

    u0 ~ U(0, 1)^D is mapped to the real line by a logit, through
    `num_couplings` checkerboard `AffineCoupling` layers conditioned on conv
    features of x, and back into (0, 1) by a sigmoid; log q(u|x) is the
    change of variables of that chain. The couplings start as the identity,
    so training starts from uniform dequantization (log q = 0) and can only
    tighten the bound E_q[log p(v) - log q(u|x)] - D log 256 by learning
    where in each cell the model puts its mass.

    Args:
        filters: width of the conditioning and coupling convolutions.
        num_couplings: coupling layers of the flow (alternating parity).
        seed: int or None, the seed of the layer's noise.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        x: integer pixels in [0, 255], images (batch, H, W) or (batch, H, W, C).
        seed: None for the layer's own noise, or a SeedGenerator for this call.

    Returns:
        (v, log_q): v shaped like x in [x/256, (x+1)/256); log q(u|x) (batch,).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.layers import VariationalDequantization
        >>> x = np.random.default_rng(0).integers(0, 256, size=(2, 4, 4)).astype("uint8")
        >>> v, log_q = VariationalDequantization(filters=4, num_couplings=2, seed=0)(x)
        >>> bool(np.all(np.floor(ops.convert_to_numpy(v) * 256) == x))
        True

    Reference:
        Ho et al., Flow++: Improving Flow-Based Generative Models with Variational
        Dequantization and Architecture Design, ICML 2019.
    """

    def __init__(self, filters=32, num_couplings=4, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.num_couplings = check_positive_int(num_couplings, "num_couplings")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(
                "VariationalDequantization takes images (batch, H, W) or (batch, H, W, C), "
                f"got shape {tuple(input_shape)}."
            )
        shape = (None, *input_shape[1:3], input_shape[3] if len(input_shape) == 4 else 1)
        self.context_net = [
            keras.layers.Conv2D(self.filters, 3, padding="same", activation="relu", name=f"context_{i}",
                                dtype=self.dtype_policy)
            for i in range(2)
        ]
        context_shape = shape
        for layer in self.context_net:
            layer.build(context_shape)
            context_shape = layer.compute_output_shape(context_shape)
        self.couplings = [
            AffineCoupling("checkerboard", parity=i % 2, filters=self.filters,
                           context_channels=self.filters, name=f"coupling_{i}")
            for i in range(self.num_couplings)
        ]
        for layer in self.couplings:
            layer.build(shape)
        self.built = True

    def call(self, x, seed=None):
        x = ops.cast(x, self.compute_dtype)
        seed = self.seed_generator if seed is None else seed
        u0 = draw_for_global_batch(
            lambda shape: _random.uniform(shape, minval=_EDGE, maxval=1.0 - _EDGE,
                                               dtype=self.compute_dtype, seed=seed), ops.shape(x))
        u, log_q = self.transform(x, u0)
        return self._to_cells(x, u), log_q

    def transform(self, x, u0):
        """The flow u0 -> u given x, and log q(u|x) = -log |det du/du0|: ((shape of x), (batch,))."""
        x = ops.cast(x, self.compute_dtype)
        if not self.built:
            self.build(tuple(x.shape))
        images = x if len(x.shape) == 4 else x[..., None]
        context = images * (2.0 / (NUM_BINS - 1)) - 1.0
        for layer in self.context_net:
            context = layer(context)
        u0 = ops.reshape(ops.cast(u0, self.compute_dtype), ops.shape(images))
        h = ops.log(u0) - ops.log1p(-u0)
        log_q = sum_per_example(ops.log(u0) + ops.log1p(-u0))  # -log |dh/du0|
        for layer in self.couplings:
            h, log_det = layer.forward_and_log_det(h, context=context)
            log_q = log_q - log_det
        log_q = log_q + sum_per_example(ops.softplus(h) + ops.softplus(-h))  # -log sigmoid'(h)
        return ops.reshape(ops.sigmoid(h), ops.shape(x)), log_q

    def get_config(self):
        base_config = super().get_config()
        config = {"filters": self.filters, "num_couplings": self.num_couplings, "seed": self.seed}
        return {**base_config, **config}
