"""Monte Carlo estimates of log p(x) for latent variable models."""

import math
from typing import NamedTuple

import keras
import numpy as np
from keras import ops

from keras_vi.utils import check_choice, check_positive_int, to_numpy

PROPOSALS = ("posterior", "prior")
# Elements of the largest per-step tensor (chunk * batch * data size) of the
# decoder's output: 2**24 float32 values are 64 MB, which keeps k=5000 on
# 28x28 images far under 2 GB whatever k is.
_MAX_ELEMENTS_PER_STEP = 2**24


class LogLikelihoodEstimate(NamedTuple):
    """Per-example results of `log_likelihood`, NumPy float64 arrays (N,).

    Fields:
        log_likelihood: log p̂(x) = log (1/k) sum_i w_i, in nats.
        standard_error: delta-method standard error of log p̂(x),
            sqrt((k / ESS - 1) / k).
        effective_sample_size: (sum_i w_i)^2 / sum_i w_i^2, in [1, k].
    """

    log_likelihood: np.ndarray
    standard_error: np.ndarray
    effective_sample_size: np.ndarray


class _LogWeights(keras.Model):
    """x -> (batch, chunk) log importance weights, compiled by `predict`."""

    def __init__(self, model, chunk_size, proposal, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.model = model
        self.chunk_size = chunk_size
        self.proposal = proposal
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x):
        log_w = self.model.log_weights(
            x, self.chunk_size, proposal=self.proposal, seed=self.seed_generator
        )
        return ops.transpose(log_w)  # predict concatenates along the batch axis


def log_likelihood(
    model,
    x,
    num_samples=5000,
    proposal="posterior",
    batch_size=None,
    chunk_size=None,
    seed=None,
):
    """Estimates log p(x) per example by Monte Carlo, in nats.

    With `proposal="prior"`, z_i ~ p(z) (the model's prior) and w_i = p(x|z_i): naive Monte Carlo,
    unbiased for p(x) but with a variance that explodes when the posterior is
    narrow. With `proposal="posterior"`, z_i ~ q(z|x) and
    w_i = p(x|z_i) p(z_i) / q(z_i|x): importance sampling, whose log-mean is
    the IWAE bound L_k (Burda et al., 2016), a lower bound in expectation that
    rises to log p(x) as k grows.

    The k samples are drawn in chunks, each a compiled `predict` pass, and the
    log-mean-exp is accumulated in float64 across chunks (a streaming
    log-sum-exp), so memory does not grow with k.

    Args:
        model: a built keras_vi latent variable model, or a flow (`RealNVP`,
            whose proposal is its dequantizer: k draws of u per example).
        x: NumPy array of examples.
        num_samples: k, draws of z per example (>= 1).
        proposal: `"posterior"` (importance sampling) or `"prior"`.
        batch_size: examples per step; default: as many as fit the memory budget.
        chunk_size: samples per step; default: from the memory budget.
        seed: int or None.

    Returns:
        A `LogLikelihoodEstimate` of (N,) arrays. With a discrete likelihood
        (`DiscretizedLogistic`) these are log-probabilities of the 8-bit data.
    """
    num_samples = check_positive_int(num_samples, "num_samples")
    check_choice(proposal, "proposal", PROPOSALS)
    if not getattr(model, "built", False) or getattr(model, "data_shape", None) is None:
        raise ValueError("`model` must be a built keras_vi latent variable model.")
    x = to_numpy(x)
    model.validate_batch(x, "x")
    x = x.astype(np.float32)
    # floats per example in the widest tensor of one step: a decoder's output
    # is the data's size; a flow's hidden features are `activations_per_dim` wider
    data_size = int(np.prod(model.data_shape)) * getattr(model, "activations_per_dim", 1)
    if batch_size is None:
        batch_size = max(1, min(len(x), 100))
    batch_size = check_positive_int(batch_size, "batch_size")
    if chunk_size is None:
        chunk_size = max(1, _MAX_ELEMENTS_PER_STEP // (batch_size * data_size))
    chunk_size = min(check_positive_int(chunk_size, "chunk_size"), num_samples)
    num_chunks = math.ceil(num_samples / chunk_size)

    weights = _LogWeights(model, chunk_size, proposal, seed=seed, name="log_weights")
    lse = np.full(len(x), -np.inf)  # log sum_i w_i
    lse2 = np.full(len(x), -np.inf)  # log sum_i w_i^2
    for chunk in range(num_chunks):
        log_w = weights.predict(x, batch_size=batch_size, verbose=0).astype(np.float64)
        keep = min(chunk_size, num_samples - chunk * chunk_size)
        log_w = log_w[:, :keep]
        if not np.all(np.isfinite(log_w)):
            raise FloatingPointError(
                "Non-finite log importance weights: the model gives NaN or "
                "zero density to some examples."
            )
        lse = np.logaddexp(lse, _log_sum_exp_rows(log_w))
        lse2 = np.logaddexp(lse2, _log_sum_exp_rows(2.0 * log_w))
    log_px = lse - math.log(num_samples)
    ess = np.exp(2.0 * lse - lse2)
    se = np.sqrt(np.maximum(num_samples / ess - 1.0, 0.0) / num_samples)
    return LogLikelihoodEstimate(log_px, se, ess)


def _log_sum_exp_rows(a):
    m = a.max(axis=1)
    return m + np.log(np.exp(a - m[:, None]).sum(axis=1))
