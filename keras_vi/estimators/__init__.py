"""Estimators of log p(x) and unit conversions."""

from keras_vi.estimators.bits import bits_per_dim, nats_from_bits_per_dim
from keras_vi.estimators.marginal_likelihood import LogLikelihoodEstimate, log_likelihood

__all__ = ["LogLikelihoodEstimate", "bits_per_dim", "log_likelihood", "nats_from_bits_per_dim"]
