"""The beta-VAE: a VAE whose KL term is weighted by beta."""

from keras_vi.api_export import keras_vi_export
from keras_vi.zoo.vae import VAE


@keras_vi_export("keras_vi.zoo.BetaVAE")
class BetaVAE(VAE):
    """A `VAE` with `beta=4.0` by default (beta > 1 favours disentangling).

    Examples:
        >>> import numpy as np
        >>> from keras_vi.zoo import BetaVAE
        >>> x = np.random.default_rng(0).uniform(size=(64, 8, 8)).astype("float32")
        >>> history = BetaVAE(latent_dim=10).fit(x, epochs=1, verbose=0)

    Reference:
        Higgins et al., beta-VAE: Learning Basic Visual Concepts with a
        Constrained Variational Framework, ICLR 2017.
    """

    def __init__(self, latent_dim, beta=4.0, **kwargs):
        super().__init__(latent_dim, beta=beta, **kwargs)
