"""Uniform dequantization: u ~ U[0, 1)^D."""

import keras
from keras import ops

from keras_vi import _random
from keras_vi._replicas import draw_for_global_batch
from keras_vi.api_export import keras_vi_export
from keras_vi.layers.bijector import constant_per_example
from keras_vi.layers.dequantizer import Dequantizer


@keras_vi_export("keras_vi.layers.UniformDequantization")
class UniformDequantization(Dequantizer):
    """v = (x + u) / 256 with u ~ U[0, 1)^D, so log q(u|x) = 0.

    The bound log P(x) >= E_u[log p(v)] - D log 256 of RealNVP and Glow: a
    continuous density must spread its mass evenly over each cell to make it
    tight, which a flow does not learn well (Ho et al., 2019).

    Args:
        seed: int or None, the seed of the layer's noise.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        x: integer pixels in [0, 255], any shape with a batch axis.
        seed: None for the layer's own noise, or a SeedGenerator for this call.

    Returns:
        (v, log_q): v shaped like x in [x/256, (x+1)/256); log_q zeros (batch,).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.layers import UniformDequantization
        >>> x = np.array([[0, 17, 255]], "uint8")
        >>> v, log_q = UniformDequantization(seed=0)(x)
        >>> np.floor(ops.convert_to_numpy(v) * 256).astype(int).tolist()
        [[0, 17, 255]]
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def call(self, x, seed=None):
        seed = self.seed_generator if seed is None else seed
        u = draw_for_global_batch(
            lambda shape: _random.uniform(shape, dtype=self.compute_dtype, seed=seed), ops.shape(x))
        v = self._to_cells(x, u)
        return v, constant_per_example(v, 0.0)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
