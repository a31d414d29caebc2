"""The variational autoencoder."""

from keras_vi.api_export import keras_vi_export
from keras_vi.objectives import ELBO
from keras_vi.zoo.latent_variable_model import LatentVariableModel


@keras_vi_export("keras_vi.zoo.VAE")
class VAE(LatentVariableModel):
    """Variational autoencoder trained on the ELBO.

    Args:
        latent_dim: size of z (>= 1).
        beta: the KL weight (>= 0; 1.0 is the ELBO), kept in the model's
            `kl_weight` variable.
        free_bits: nats per latent dimension below which the KL is not
            penalized (0.0 turns it off).
        num_samples: draws of z per example; the reconstruction term
            averages over them.
        **kwargs: `encoder`, `decoder`, `likelihood`, `prior`, `seed`,
            `hidden_units`, `aggressive`, `max_inner_steps`, `dequantization`:
            see `LatentVariableModel` (`dequantization="variational"` with
            `likelihood="gaussian"` bounds the 8-bit log-likelihood).

    Examples:
        >>> import numpy as np
        >>> from keras_vi.zoo import VAE
        >>> x = np.random.default_rng(0).uniform(size=(64, 8, 8)).astype("float32")
        >>> model = VAE(latent_dim=2)
        >>> history = model.fit(x, epochs=1, verbose=0)
        >>> sorted(history.history)
        ['elbo', 'kl', 'loss', 'reconstruction']

    Reference:
        Kingma and Welling, Auto-Encoding Variational Bayes, ICLR 2014.
    """


    def __init__(self, latent_dim, beta=1.0, free_bits=0.0, num_samples=1, **kwargs):
        super().__init__(
            latent_dim, objective=ELBO(free_bits=free_bits, num_samples=num_samples),
            beta=beta, **kwargs,
        )

    @property
    def free_bits(self):
        return self.objective.free_bits

    def get_config(self):
        config = super().get_config()
        del config["objective"]
        return {**config, "free_bits": self.free_bits, "num_samples": self.num_samples}
