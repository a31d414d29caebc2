"""The reparameterization trick as a Keras layer."""

import keras

from keras_vi.api_export import keras_vi_export
from keras_vi.distributions.normal import Normal
from keras_vi.utils import check_positive_int, full_precision


@keras_vi_export("keras_vi.layers.Sampling")
class Sampling(keras.layers.Layer):
    """Draws z = mean + exp(log_var / 2) * eps with eps ~ N(0, I).

    The reparameterization trick (Kingma and Welling, 2014): the noise is an
    input of a deterministic function, so gradients reach `mean` and `log_var`.
    The noise comes from the layer's own `keras.random.SeedGenerator`, which is
    layer state: draws differ from call to call, also inside compiled steps on
    every backend, and a fixed `seed` makes the sequence reproducible.

    Args:
        seed: int or None, the seed of the layer's noise.
        num_samples: None for one draw per example (output shaped like
            `mean`), or k >= 1 for k draws stacked on a new leading axis:
            (k, batch, dim).
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a list `[mean, log_var]` of two tensors of the same shape.

    Examples:
        >>> from keras import ops
        >>> from keras_vi.layers import Sampling
        >>> layer = Sampling(seed=0, num_samples=5)
        >>> z = layer([ops.zeros((2, 3)), ops.zeros((2, 3))])
        >>> tuple(z.shape)
        (5, 2, 3)
    """

    def __init__(self, seed=None, num_samples=None, **kwargs):
        super().__init__(**full_precision(kwargs))  # the noise and z in float32
        if num_samples is not None:
            num_samples = check_positive_int(num_samples, "num_samples")
        self.seed = seed
        self.num_samples = num_samples
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def _check_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                "`inputs` of Sampling must be a list [mean, log_var] of two "
                f"tensors, got {type(inputs).__name__}."
            )
        mean_shape, log_var_shape = tuple(inputs[0].shape), tuple(inputs[1].shape)
        if mean_shape != log_var_shape:
            raise ValueError(
                "`inputs` of Sampling must be [mean, log_var] of the same shape, "
                f"got {mean_shape} and {log_var_shape}."
            )

    def call(self, inputs):
        self._check_inputs(inputs)
        return self.draw(*inputs)

    def draw(self, mean, log_var):
        """z for `mean` and `log_var` (tensors of one shape), as `call`, without `Layer.__call__`.

        For a model's own step, whose inputs are already float32 tensors: no
        input conversion or checks of `Layer.__call__`.
        """
        return Normal(mean, log_var).sample(seed=self.seed_generator, num_samples=self.num_samples)

    def compute_output_shape(self, input_shape):
        mean_shape = tuple(input_shape[0])
        if self.num_samples is None:
            return mean_shape
        return (self.num_samples, *mean_shape)

    def get_config(self):
        base_config = super().get_config()
        config = {"seed": self.seed, "num_samples": self.num_samples}
        return {**base_config, **config}
