"""Decoder likelihoods p(x|z) as parts: each names its decoder outputs and data range.

`LIKELIHOODS` maps the string shortcuts (`likelihood="bernoulli"`) to their classes;
`get(value)` resolves a name or passes an instance through.
"""

from keras_vi.likelihoods.base import Likelihood
from keras_vi.likelihoods.bernoulli import Bernoulli
from keras_vi.likelihoods.discretized_logistic import DiscretizedLogistic
from keras_vi.likelihoods.gaussian import Gaussian
from keras_vi.utils import resolve_part, serialize_part

LIKELIHOODS = {
    "bernoulli": Bernoulli,
    "gaussian": Gaussian,
    "discretized_logistic": DiscretizedLogistic,
}


def get(value):
    """A `Likelihood` from a registry name, a serialized config or an instance."""
    return resolve_part(value, "likelihood", LIKELIHOODS, Likelihood)


def serialize(likelihood):
    """Its registry name when it is that name's default, else its Keras config."""
    return serialize_part(likelihood, LIKELIHOODS)


__all__ = ["Likelihood", "Bernoulli", "Gaussian", "DiscretizedLogistic", "LIKELIHOODS", "get", "serialize"]
