"""Estimators of log p(x) and unit conversions."""

from keras_vi.estimators.bits import bits_per_dim, nats_from_bits_per_dim
from keras_vi.estimators.marginal_likelihood import LogLikelihoodEstimate, log_likelihood
from keras_vi.estimators.summary import evaluation_summary

__all__ = ["LogLikelihoodEstimate", "bits_per_dim", "evaluation_summary", "log_likelihood", "nats_from_bits_per_dim"]
