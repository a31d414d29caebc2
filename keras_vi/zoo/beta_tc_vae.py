"""β-TCVAE: a VAE whose objective penalizes the total correlation of q(z)."""

from keras_vi.api_export import keras_vi_export
from keras_vi.objectives import TotalCorrelationELBO
from keras_vi.zoo.latent_variable_model import LatentVariableModel


@keras_vi_export("keras_vi.zoo.BetaTCVAE")
class BetaTCVAE(LatentVariableModel):
    """The VAE architecture trained on ELBO - (β - 1) TC (Chen et al., 2018).

    Only the total-correlation part of the KL is weighted by β, so the
    latents are pushed toward independence without the reconstruction cost
    of a β-VAE's larger KL weight. Logs `total_correlation` (a minibatch
    estimate) besides the ELBO's terms; the model's `kl_weight` stays the
    ELBO's KL weight (1.0; KL annealing moves it).

    Args:
        latent_dim: size of z (>= 1).
        beta: β, the weight of the total correlation (6.0, the value
            disentanglement_lib's study uses on dSprites), held by the
            objective.
        dataset_size: None, or the training set's size for minibatch-weighted
            sampling (`keras_vi.objectives.total_correlation`).
        **kwargs: `encoder`, `decoder`, `likelihood`, `prior`, `seed`, ...:
            see `LatentVariableModel`.

    Examples:
        >>> import numpy as np
        >>> from keras_vi.zoo import BetaTCVAE
        >>> x = np.random.default_rng(0).uniform(size=(64, 8, 8)).astype("float32")
        >>> history = BetaTCVAE(latent_dim=4).fit(x, epochs=1, verbose=0)
        >>> sorted(history.history)
        ['elbo', 'kl', 'loss', 'reconstruction', 'total_correlation']

    Reference:
        Chen, Li, Grosse and Duvenaud, Isolating Sources of Disentanglement
        in Variational Autoencoders, NeurIPS 2018.
    """


    def __init__(self, latent_dim, beta=6.0, dataset_size=None, num_samples=1, **kwargs):
        super().__init__(
            latent_dim,
            objective=TotalCorrelationELBO(beta=beta, dataset_size=dataset_size, num_samples=num_samples),
            **kwargs,
        )

    @property
    def tc_weight(self):
        """β, as the objective holds it."""
        return self.objective.beta

    def get_config(self):
        config = super().get_config()
        del config["objective"]
        return {**config, **self.objective.get_config()}
