"""A learned mixture-of-Gaussians prior."""

import keras

from keras_vi.api_export import keras_vi_export
from keras_vi.priors.base import MixturePrior
from keras_vi.utils import check_positive_int


@keras_vi_export("keras_vi.priors.MixtureOfGaussians")
class MixtureOfGaussians(MixturePrior):
    """p(z) = sum_k pi_k N(z; mu_k, diag(sigma_k^2)), every parameter learned.

    The weights are a softmax of logits, the variances exponentiated
    log-variances, so any values are valid. The means start as N(0, I)
    draws, spreading the components. The KL from q(z|x) has no closed form:
    the ELBO uses the Monte Carlo estimate over the model's draws of z.

    Args:
        num_components: K >= 1.
        seed: int or None, for the means' initialization.

    Examples:
        >>> import numpy as np, keras_vi
        >>> x = np.random.default_rng(0).uniform(size=(32, 8, 8)).astype("float32")
        >>> prior = keras_vi.priors.MixtureOfGaussians(num_components=3)
        >>> model = keras_vi.zoo.VAE(latent_dim=4, prior=prior)
        >>> _ = model.fit(x, epochs=1, verbose=0)
        >>> tuple(model.sample(5, seed=0).shape)
        (5, 8, 8)

    Reference:
        Dilokthanakul et al., Deep Unsupervised Clustering with Gaussian
        Mixture Variational Autoencoders, 2016; Tomczak and Welling, 2018.
    """

    def __init__(self, num_components=10, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_components = check_positive_int(num_components, "num_components")
        self.seed = seed

    def build(self, input_shape):
        k, d = self.num_components, int(input_shape[-1])
        self.logits = self.add_weight(shape=(k,), initializer="zeros", name="logits")
        self.means = self.add_weight(
            shape=(k, d), initializer=keras.initializers.RandomNormal(seed=self.seed), name="means"
        )
        self.log_vars = self.add_weight(shape=(k, d), initializer="zeros", name="log_vars")

    def components(self):
        return self.logits, self.means, self.log_vars

    def get_config(self):
        return {**super().get_config(), "num_components": self.num_components, "seed": self.seed}
