"""The model zoo, with a registry of names for the CLI and presets.

Every zoo model derives from `ZooModel` (compile defaults, input checks,
`sample(n, seed=None)`, the sample_weight policy). A new model is one module
plus a line in `MODELS` (and, for the CLI, a line in `keras_vi.cli.models`).
"""

from keras_vi.zoo.ar_vae import ARVAE
from keras_vi.zoo.base import ZooModel
from keras_vi.zoo.beta_tc_vae import BetaTCVAE
from keras_vi.zoo.beta_vae import BetaVAE
from keras_vi.zoo.causal_prior import CausalPrior
from keras_vi.zoo.factor_vae import FactorVAE
from keras_vi.zoo.gaussian_mixture import GaussianMixture
from keras_vi.zoo.iwae import IWAE
from keras_vi.zoo.hierarchical_vae import HierarchicalVAE
from keras_vi.zoo.latent_variable_model import LatentVariableModel
from keras_vi.zoo.pixel_cnn import PixelCNN
from keras_vi.zoo.presets import load_preset, upload_preset
from keras_vi.zoo.real_nvp import RealNVP
from keras_vi.zoo.vae import VAE
from keras_vi.zoo.vq_vae import VQVAE

MODELS = {"vae": VAE, "beta_vae": BetaVAE, "iwae": IWAE, "vq_vae": VQVAE, "real_nvp": RealNVP,
          "beta_tc_vae": BetaTCVAE, "factor_vae": FactorVAE, "ar_vae": ARVAE,
          "hierarchical_vae": HierarchicalVAE}


def get(name):
    """Returns the zoo class registered under `name` (e.g. "beta_vae")."""
    if name not in MODELS:
        raise ValueError(f"`name` must be one of {sorted(MODELS)}, got {name!r}.")
    return MODELS[name]


__all__ = ["VAE", "ARVAE", "BetaVAE", "BetaTCVAE", "FactorVAE", "IWAE", "GaussianMixture", "HierarchicalVAE", "PixelCNN", "CausalPrior", "VQVAE", "RealNVP",
           "LatentVariableModel", "ZooModel", "MODELS", "get", "load_preset", "upload_preset"]
