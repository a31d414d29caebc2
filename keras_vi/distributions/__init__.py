"""Distributions used by the latent variable models (keras.ops only)."""

from keras_vi.distributions.bernoulli import Bernoulli
from keras_vi.distributions.categorical import Categorical
from keras_vi.distributions.discretized_logistic import DiscretizedLogistic
from keras_vi.distributions.normal import Normal

__all__ = ["Normal", "Bernoulli", "Categorical", "DiscretizedLogistic"]
