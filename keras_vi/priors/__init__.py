"""Priors p(z) as parts: the standard normal, a learned mixture, the VampPrior.

Each is a Keras layer (its parameters train and save with the model). The
string shortcuts (`prior="standard_normal"`) live in `PRIORS`, which also
resolves them (`get`) and writes them back (`serialize`).
"""

from keras_vi.priors.base import MixturePrior, Prior
from keras_vi.priors.mixture_of_gaussians import MixtureOfGaussians
from keras_vi.priors.standard_normal import StandardNormal
from keras_vi.priors.vamp_prior import VampPrior
from keras_vi.utils import Registry

PRIORS = Registry(
    "prior", Prior,
    {"standard_normal": StandardNormal, "mixture_of_gaussians": MixtureOfGaussians, "vamp_prior": VampPrior},
)
get, serialize = PRIORS.resolve, PRIORS.serialize

__all__ = ["Prior", "MixturePrior", "StandardNormal", "MixtureOfGaussians", "VampPrior", "PRIORS", "get", "serialize"]
