"""The importance weighted autoencoder."""

from keras_vi.api_export import keras_vi_export
from keras_vi.objectives import IWAEBound
from keras_vi.zoo.latent_variable_model import LatentVariableModel


@keras_vi_export("keras_vi.zoo.IWAE")
class IWAE(LatentVariableModel):
    """The VAE architecture trained on the k-sample bound L_k.

    Logs `iwae_bound` besides `reconstruction`, `kl` and `elbo`. The model's
    `kl_weight` (`beta`, 1.0 by default) scales log p(z) - log q(z|x) inside
    the importance weights, so KL annealing works on the IWAE too (see
    `keras_vi.objectives.IWAEBound`).

    Args:
        latent_dim: size of z (>= 1).
        num_samples: k, importance samples per example (>= 1; 1 is the ELBO
            with a sampled KL), stored once, in the objective.
        **kwargs: `encoder`, `decoder`, `likelihood`, `prior`, `beta`, `seed`,
            ...: see `LatentVariableModel`.

    Reference:
        Burda, Grosse and Salakhutdinov, Importance Weighted Autoencoders,
        ICLR 2016.
    """


    def __init__(self, latent_dim, num_samples=5, **kwargs):
        super().__init__(latent_dim, objective=IWAEBound(num_samples=num_samples), **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["objective"]
        return {**config, "num_samples": self.num_samples}
