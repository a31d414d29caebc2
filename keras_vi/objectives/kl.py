"""Closed-form KL divergences between diagonal Gaussians."""

from keras import ops



def _reduce(kl, per_dimension):
    return kl if per_dimension else ops.sum(kl, axis=-1)


def kl_normal_standard_normal(mean, log_var, per_dimension=False):
    """KL( N(mean, exp(log_var)) || N(0, I) ), the VAE's KL term.

    Per dimension: 0.5 * (exp(log_var) + mean^2 - 1 - log_var).

    Args:
        mean: (..., d) means of q.
        log_var: (..., d) log-variances of q.
        per_dimension: if True, return the (..., d) terms instead of their sum
            over the last axis (the input of free bits and of the per-dimension
            collapse diagnostics).

    Returns:
        (...) KL in nats, or (..., d) with `per_dimension=True`.

    Reference:
        Kingma and Welling, Auto-Encoding Variational Bayes, 2014, Appendix B.
    """
    mean = ops.convert_to_tensor(mean)
    log_var = ops.convert_to_tensor(log_var, dtype=mean.dtype)
    kl = 0.5 * (ops.exp(log_var) + ops.square(mean) - 1.0 - log_var)
    return _reduce(kl, per_dimension)


def kl_normal_normal(mean1, log_var1, mean2, log_var2, per_dimension=False):
    """KL( N(mean1, exp(log_var1)) || N(mean2, exp(log_var2)) ), diagonal.

    Per dimension: 0.5 * (log_var2 - log_var1
    + (exp(log_var1) + (mean1 - mean2)^2) / exp(log_var2) - 1).

    Args:
        mean1: mean of the first Gaussian, (..., d).
        log_var1: log-variance of the first Gaussian, (..., d).
        mean2: mean of the second Gaussian, broadcastable.
        log_var2: log-variance of the second Gaussian, broadcastable.
        per_dimension: if True, return the (..., d) terms instead of their sum.

    Returns:
        (...) KL in nats, or (..., d) with `per_dimension=True`.
    """
    mean1 = ops.convert_to_tensor(mean1)
    dtype = mean1.dtype
    log_var1 = ops.convert_to_tensor(log_var1, dtype=dtype)
    mean2 = ops.convert_to_tensor(mean2, dtype=dtype)
    log_var2 = ops.convert_to_tensor(log_var2, dtype=dtype)
    kl = 0.5 * (
        log_var2
        - log_var1
        + (ops.exp(log_var1) + ops.square(mean1 - mean2)) * ops.exp(-log_var2)
        - 1.0
    )
    return _reduce(kl, per_dimension)
