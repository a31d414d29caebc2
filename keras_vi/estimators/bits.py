"""Conversions between nats per example and bits per dimension."""

import math

import numpy as np

from keras_vi.utils import check_positive_int


def bits_per_dim(nll_nats, num_dims):
    """Negative log-likelihood in nats per example -> bits per dimension.

    bits/dim = nll / (num_dims * ln 2).

    Args:
        nll_nats: a number or NumPy array of -log p(x) in nats.
        num_dims: dimensions of one example (784 for 28x28 images).
    """
    num_dims = check_positive_int(num_dims, "num_dims")
    return np.asarray(nll_nats, dtype=np.float64) / (num_dims * math.log(2.0))


def nats_from_bits_per_dim(bpd, num_dims):
    """Bits per dimension -> negative log-likelihood in nats per example."""
    num_dims = check_positive_int(num_dims, "num_dims")
    return np.asarray(bpd, dtype=np.float64) * num_dims * math.log(2.0)
