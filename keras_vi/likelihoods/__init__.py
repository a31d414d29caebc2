"""Decoder likelihoods p(x|z) as parts: each names its decoder outputs and data range.

`LIKELIHOODS` maps the string shortcuts (`likelihood="bernoulli"`) to their classes;
`get(value)` resolves a name or passes an instance through; `serialize` writes it back.
"""

from keras_vi.likelihoods.base import Likelihood
from keras_vi.likelihoods.bernoulli import Bernoulli
from keras_vi.likelihoods.categorical import Categorical
from keras_vi.likelihoods.dequantized import Dequantized
from keras_vi.likelihoods.discretized_logistic import DiscretizedLogistic
from keras_vi.likelihoods.gaussian import Gaussian
from keras_vi.utils import Registry

LIKELIHOODS = Registry("likelihood", Likelihood, {
    "bernoulli": Bernoulli,
    "categorical": Categorical,
    "gaussian": Gaussian,
    "discretized_logistic": DiscretizedLogistic,
})
get, serialize = LIKELIHOODS.resolve, LIKELIHOODS.serialize

__all__ = ["Likelihood", "Bernoulli", "Categorical", "Dequantized", "Gaussian", "DiscretizedLogistic", "LIKELIHOODS", "get", "serialize"]
