"""The VampPrior: a mixture of the encoder's posteriors at learned pseudo-inputs."""

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.priors.base import MixturePrior
from keras_vi.utils import check_positive_int


@keras_vi_export("keras_vi.priors.VampPrior")
class VampPrior(MixturePrior):
    """p(z) = (1/K) sum_k q(z | u_k), with K pseudo-inputs u_k learned with the model.

    The prior approximates the aggregate posterior, the optimal prior for the
    ELBO, through the model's own encoder: the pseudo-inputs are weights of
    this layer (shaped like one example), the encoder is the model's. The
    model binds it when it builds. The pseudo-inputs start uniform over the
    data's range (the likelihood's `pixel_scale`).

    Args:
        num_pseudo_inputs: K >= 1.
        seed: int or None, for the pseudo-inputs' initialization.

    Examples:
        >>> import numpy as np
        >>> from keras_vi.priors import VampPrior
        >>> from keras_vi.zoo import IWAE
        >>> iwae = IWAE(latent_dim=2, num_samples=3, prior=VampPrior(num_pseudo_inputs=5))
        >>> iwae.build((None, 8, 8))
        >>> tuple(iwae.prior.pseudo_inputs.shape), tuple(iwae.prior.log_prob(np.zeros((4, 2))).shape)
        ((5, 8, 8), (4,))

    Reference:
        Tomczak and Welling, VAE with a VampPrior, AISTATS 2018.
    """

    def __init__(self, num_pseudo_inputs=50, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_pseudo_inputs = check_positive_int(num_pseudo_inputs, "num_pseudo_inputs")
        self.seed = seed

    def bind(self, model):
        # A bound method, not the encoder itself: the encoder is the model's
        # sublayer, and tracking it here too would save its weights twice.
        self._encode = model.encoder.__call__
        self._data_shape, self._pixel_scale = model.data_shape, model.likelihood.pixel_scale
        super().bind(model)

    def build(self, input_shape):
        self.pseudo_inputs = self.add_weight(
            shape=(self.num_pseudo_inputs, *self._data_shape),
            initializer=keras.initializers.RandomUniform(0.0, self._pixel_scale, seed=self.seed),
            name="pseudo_inputs",
        )

    def get_build_config(self):
        return None  # the pseudo-inputs need the data shape: the model's `bind` builds

    def components(self):
        mean, log_var = self._encode(self.pseudo_inputs)
        return ops.zeros((self.num_pseudo_inputs,), mean.dtype), mean, log_var

    def get_config(self):
        return {**super().get_config(), "num_pseudo_inputs": self.num_pseudo_inputs, "seed": self.seed}
