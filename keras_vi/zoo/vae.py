"""The variational autoencoder."""

from keras_vi.api_export import keras_vi_export
from keras_vi.objectives import ELBO
from keras_vi.zoo.latent_variable_model import LatentVariableModel


@keras_vi_export("keras_vi.zoo.VAE")
class VAE(LatentVariableModel):
    """Variational autoencoder trained on the ELBO.

    Args:
        latent_dim: size of z (>= 1).
        beta: weight of the KL term (>= 0; 1.0 is the ELBO).
        free_bits: nats per latent dimension below which the KL is not
            penalized (0.0 turns it off).
        encoder, decoder, likelihood, num_samples, seed: see
            `LatentVariableModel`. `num_samples` > 1 averages the
            reconstruction term over that many draws.

    Example:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).uniform(size=(64, 8, 8)).astype("float32")
    >>> model = VAE(latent_dim=2)
    >>> history = model.fit(x, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['elbo', 'kl', 'loss', 'reconstruction']

    Reference:
        Kingma and Welling, Auto-Encoding Variational Bayes, ICLR 2014.
    """

    def __init__(self, latent_dim, beta=1.0, free_bits=0.0, **kwargs):
        super().__init__(
            latent_dim, objective=ELBO(beta=beta, free_bits=free_bits), **kwargs
        )

    @property
    def beta(self):
        return self.objective.beta

    @property
    def free_bits(self):
        return self.objective.free_bits

    def get_config(self):
        config = super().get_config()
        del config["objective"]
        return {**config, "beta": self.beta, "free_bits": self.free_bits}
