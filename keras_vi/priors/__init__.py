"""Priors p(z) as parts: the standard normal, a learned mixture, the VampPrior.

`PRIORS` maps the string shortcuts (`prior="standard_normal"`) to their classes;
`get(value)` resolves a name or passes an instance through.
"""

from keras_vi.priors.base import MixturePrior, Prior
from keras_vi.priors.mixture_of_gaussians import MixtureOfGaussians
from keras_vi.priors.standard_normal import StandardNormal
from keras_vi.priors.vamp_prior import VampPrior
from keras_vi.utils import resolve_part, serialize_part

PRIORS = {
    "standard_normal": StandardNormal,
    "mixture_of_gaussians": MixtureOfGaussians,
    "vamp_prior": VampPrior,
}


def get(value):
    """A `Prior` from a registry name, a serialized config or an instance."""
    return resolve_part(value, "prior", PRIORS, Prior)


def serialize(prior):
    """Its registry name when it is that name's default, else its Keras config."""
    return serialize_part(prior, PRIORS)


__all__ = ["Prior", "MixturePrior", "StandardNormal", "MixtureOfGaussians", "VampPrior", "PRIORS", "get", "serialize"]
