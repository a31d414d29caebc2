"""Glow's activation normalization, initialized from the first batch."""

import math

from keras import ops

from keras_vi._replicas import gather_across_replicas
from keras_vi.api_export import keras_vi_export
from keras_vi.layers.bijector import Bijector, constant_per_example


@keras_vi_export("keras_vi.layers.ActNorm")
class ActNorm(Bijector):
    """y = x * exp(log_scale) + bias per channel (the last axis).

    Data-dependent initialization (Glow): the first batch the layer sees sets
    the scale and bias so that its outputs have zero mean and unit variance
    per channel. The initial values live in non-trainable variables
    (`initial_log_scale`, `initial_bias`, with an `initialized` flag), the
    trainable `log_scale` and `bias` start at zero and add to them: so the
    initialization happens inside any compiled step, on every backend, like a
    batch-norm statistic, and it is saved with the model.

    Args:
        epsilon: added to the batch variance at initialization.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        x: (batch, ..., channels), e.g. images (batch, H, W, C) or vectors.

    Returns:
        (y, log_det): y shaped like x; log_det (batch,) = (positions per
        example) * sum(log_scale).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.layers import ActNorm
        >>> x = np.random.default_rng(0).normal(3.0, 2.0, size=(500, 2)).astype("float32")
        >>> y, log_det = ActNorm().forward_and_log_det(x)
        >>> np.round(ops.convert_to_numpy(ops.std(y, axis=0)), 3).tolist()
        [1.0, 1.0]

    Reference:
        Kingma and Dhariwal, Glow: Generative Flow with Invertible 1x1 Convolutions, NeurIPS 2018.
    """

    def __init__(self, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
            raise ValueError(f"`epsilon` must be a number > 0, got {epsilon!r}.")
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"ActNorm takes (batch, ..., channels), got shape {tuple(input_shape)}.")
        channels = input_shape[-1]
        self._positions = math.prod(input_shape[1:-1])
        self.log_scale = self.add_weight(shape=(channels,), initializer="zeros", name="log_scale")
        self.bias = self.add_weight(shape=(channels,), initializer="zeros", name="bias")
        self.initial_log_scale = self.add_weight(shape=(channels,), initializer="zeros",
                                                 trainable=False, name="initial_log_scale")
        self.initial_bias = self.add_weight(shape=(channels,), initializer="zeros",
                                            trainable=False, name="initial_bias")
        self.initialized = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                           name="initialized")
        self.built = True

    def _forward(self, x, context):
        axes = tuple(range(len(x.shape) - 1))
        pool = gather_across_replicas(x)  # under tf.distribute: the global batch's statistics
        mean = ops.stop_gradient(ops.mean(pool, axis=axes))
        var = ops.stop_gradient(ops.var(pool, axis=axes))
        batch_log_scale = -0.5 * ops.log(var + self.epsilon)
        done = ops.cast(self.initialized, x.dtype)
        initial_log_scale = done * self.initial_log_scale + (1.0 - done) * batch_log_scale
        initial_bias = done * self.initial_bias - (1.0 - done) * mean * ops.exp(batch_log_scale)
        self.initial_log_scale.assign(initial_log_scale)
        self.initial_bias.assign(initial_bias)
        self.initialized.assign(1.0)
        log_scale = initial_log_scale + self.log_scale
        y = x * ops.exp(log_scale) + initial_bias + self.bias
        return y, constant_per_example(x, self._positions * ops.sum(log_scale))

    def _inverse(self, y, context):
        log_scale = self.initial_log_scale + self.log_scale
        x = (y - self.initial_bias - self.bias) * ops.exp(-log_scale)
        return x, constant_per_example(y, -self._positions * ops.sum(log_scale))

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}

