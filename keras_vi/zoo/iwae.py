"""The importance weighted autoencoder."""

from keras_vi.api_export import keras_vi_export
from keras_vi.objectives import IWAEBound
from keras_vi.zoo.latent_variable_model import LatentVariableModel


@keras_vi_export("keras_vi.zoo.IWAE")
class IWAE(LatentVariableModel):
    """The VAE architecture trained on the k-sample bound L_k.

    Logs `iwae_bound` besides `reconstruction`, `kl` and `elbo`.

    Args:
        latent_dim: size of z (>= 1).
        num_samples: k, importance samples per example (>= 1; 1 is the ELBO
            with a sampled KL).
        encoder, decoder, likelihood, seed: see `LatentVariableModel`.

    Reference:
        Burda, Grosse and Salakhutdinov, Importance Weighted Autoencoders,
        ICLR 2016.
    """

    def __init__(self, latent_dim, num_samples=5, **kwargs):
        super().__init__(
            latent_dim,
            objective=IWAEBound(num_samples=num_samples),
            num_samples=num_samples,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        del config["objective"]
        return config
