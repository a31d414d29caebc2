"""Posterior-collapse diagnostics of a trained model over a data set."""

import math
import warnings

import numpy as np
from keras import ops

from keras_vi.distributions import Normal
from keras_vi.metrics.active_units import ActiveUnits
from keras_vi.utils import check_positive_int


def _posterior_parameters(model, x, batch_size):
    """(mean, log_var) of q(z|x) over `x` as float64 NumPy arrays."""
    batch_size = check_positive_int(batch_size, "batch_size")
    means, log_vars = [], []
    for start in range(0, len(x), batch_size):
        mean, log_var = model.encode(x[start : start + batch_size])
        means.append(ops.convert_to_numpy(mean))
        log_vars.append(ops.convert_to_numpy(log_var))
    return np.concatenate(means).astype(np.float64), np.concatenate(log_vars).astype(np.float64)


def active_units(model, x, threshold=1e-2, batch_size=256):
    """Number of units with Cov_x(E_q[z_u]) > threshold (Burda et al., 2016)."""
    metric = ActiveUnits(model.latent_dim, threshold=threshold)
    for start in range(0, len(x), check_positive_int(batch_size, "batch_size")):
        metric.update_state(model.encode(x[start : start + batch_size])[0])
    return int(ops.convert_to_numpy(metric.result()))


def kl_per_dimension(model, x, batch_size=256):
    """KL(q(z_u|x) || p(z_u)) averaged over x, per latent unit: (latent_dim,) nats.

    Needs a prior that factorizes over the units (the standard normal).
    """
    if not model.prior.factorized:
        raise ValueError(
            f"`model` has a {type(model.prior).__name__} prior, which does not factorize "
            "over the latent units: the KL has no per-dimension split."
        )
    mean, log_var = _posterior_parameters(model, x, batch_size)
    kl = ops.convert_to_numpy(model.prior.kl_per_dimension(Normal(mean, log_var)))
    return np.asarray(kl, dtype=np.float64).mean(axis=0)


def mutual_information(model, x, batch_size=256, seed=0):
    """Estimate of I(x; z) under q(x, z) = p_data(x) q(z|x), in nats.

    I = E_x E_q(z|x)[log q(z|x)] - E_q(z)[log q(z)], with the aggregate
    posterior q(z) approximated by the mixture of q(z|x_j) over `x`, one z
    per example (He et al., 2019, Eq. 4 and their released code). It is at
    most log N for N examples, and 0 when q(z|x) ignores x. It needs q(z|x)
    to be the diagonal Gaussian that `model.encode` gives
    (`model.diagonal_posterior`, False for `HierarchicalVAE`).
    """
    if not getattr(model, "diagonal_posterior", True):
        raise ValueError(
            f"`model`: the q(z|x) of {type(model).__name__} is not a diagonal Gaussian "
            "(`encode` gives its mean path only), so this estimate does not apply."
        )
    mean, log_var = _posterior_parameters(model, x, batch_size)
    n, d = mean.shape
    rng = np.random.default_rng(seed)
    z = mean + np.exp(0.5 * log_var) * rng.normal(size=mean.shape)
    # E[log q(z|x)] = -d/2 log(2 pi) - 1/2 sum (1 + log_var): the negative entropy
    neg_entropy = np.mean(-0.5 * d * math.log(2 * math.pi) - 0.5 * np.sum(1 + log_var, axis=-1))
    log_qz = np.empty(n)
    inv_var = np.exp(-log_var)
    norm = -0.5 * (d * math.log(2 * math.pi) + log_var.sum(-1))  # (n,)
    for start in range(0, n, 512):  # (chunk, n) log q(z_i | x_j) at a time
        zi = z[start : start + 512, None, :]
        log_density = norm[None] - 0.5 * np.sum((zi - mean[None]) ** 2 * inv_var[None], axis=-1)
        m = log_density.max(axis=1)
        log_qz[start : start + 512] = (
            m + np.log(np.exp(log_density - m[:, None]).sum(axis=1)) - math.log(n)
        )
    return float(neg_entropy - log_qz.mean())


class PosteriorCollapseWarning(UserWarning):
    """Every latent unit of a trained model carries almost no information: q(z|x) = p(z).

    Silence it with `warnings.simplefilter("ignore", keras_vi.metrics.PosteriorCollapseWarning)`.
    """


COLLAPSE_THRESHOLD = 0.01  # nats of KL per latent unit


def warn_if_collapsed(model, x, training_kl=None, threshold=COLLAPSE_THRESHOLD, stacklevel=3):
    """Warns (`PosteriorCollapseWarning`) when every latent unit's KL is below `threshold` nats.

    With a prior that factorizes, the KL of each unit on the examples `x` (a
    batch); else the model's total KL, `training_kl` (the last epoch's mean),
    which is below the threshold only if every unit's is. Returns whether it warned.
    """
    if model.prior.factorized:
        kl = kl_per_dimension(model, np.asarray(ops.convert_to_numpy(x)))
        largest, what = float(kl.max()), "the largest unit's KL on the first batch"
    elif training_kl is not None:
        largest, what = float(training_kl), "the total KL of the last epoch"
    else:
        return False
    if not largest < threshold:
        return False
    remedies = ["`keras_vi.callbacks.KLAnnealing`"]
    if model.prior.factorized:
        remedies.insert(0, "`free_bits=` (nats kept per unit)")
    beta = float(getattr(model, "beta", 1.0))
    if beta > 1.0:
        remedies.append(f"a lower `beta` (now {beta:g})")
    if getattr(model, "diagonal_posterior", True):
        remedies.append("`aggressive=True`")
    warnings.warn(
        f"Posterior collapse: every latent unit of this {type(model).__name__} carries under "
        f"{threshold} nats ({what}: {largest:.4f}); the decoder ignores z, so samples and "
        f"reconstructions do not depend on it. Remedies: {', '.join(remedies)}. Silence with "
        "warnings.simplefilter('ignore', keras_vi.metrics.PosteriorCollapseWarning).",
        PosteriorCollapseWarning, stacklevel=stacklevel)
    return True
