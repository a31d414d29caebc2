"""The evidence lower bound, with free bits, as a small serializable objective."""

from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.objectives.base import Objective, reconstruction_and_kl
from keras_vi.utils import check_non_negative_float, check_positive_int


def free_bits_kl(kl_per_dim, free_bits):
    """Per-example KL term of the free-bits objective (Kingma et al., 2016).

    The mean over the batch of the returned terms is
    sum_d max(lambda, mean_batch KL_d): a dimension whose batch-averaged KL is
    below lambda contributes the constant lambda, so no gradient pushes it
    further toward the prior.
    """
    batch_kl = ops.mean(kl_per_dim, axis=0, keepdims=True)
    active = ops.cast(batch_kl >= free_bits, kl_per_dim.dtype)
    return ops.sum(active * kl_per_dim + (1.0 - active) * free_bits, axis=-1)


@keras_vi_export("keras_vi.objectives.ELBO")
class ELBO(Objective):
    """ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)); the loss weights the KL.

    The training loss is `-(reconstruction - kl_weight * kl_objective)`, with
    the model's `kl_weight` (β of a β-VAE, or an annealing schedule's value).
    `kl_objective` is the KL as the prior computes it (closed form for
    N(0, I), Monte Carlo over the draws otherwise); with free bits lambda > 0
    it is `free_bits_kl` of the prior's per-dimension KL. The reported `kl`
    and `elbo` are always the true values.

    Args:
        free_bits: lambda, nats per latent dimension (0.0 turns it off); needs
            a prior with a per-dimension KL (the standard normal).
        num_samples: draws of z per example; the reconstruction term averages
            over them.

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.distributions import Normal
        >>> from keras_vi.objectives import ELBO, Bundle
        >>> from keras_vi.priors import StandardNormal
        >>> q = Normal(ops.zeros((1, 2)), ops.zeros((1, 2)))
        >>> bundle = Bundle(x=None, posterior=q, z=ops.zeros((1, 1, 2)),
        ...                 log_px_z=ops.array([[-10.0]]), prior=StandardNormal(),
        ...                 kl_weight=4.0)
        >>> float(ops.convert_to_numpy(ELBO()(bundle)["loss"])[0])
        10.0

    References:
        Kingma and Welling, 2014; Higgins et al., beta-VAE, 2017;
        Kingma et al., Improved Variational Inference with IAF, 2016 (free bits).
    """

    metric_names = ("reconstruction", "kl", "elbo")
    uses_kl_weight = True

    def __init__(self, free_bits=0.0, num_samples=1):
        self.free_bits = check_non_negative_float(free_bits, "free_bits")
        self.num_samples = check_positive_int(num_samples, "num_samples")

    def check_prior(self, prior):
        if self.free_bits > 0 and not prior.factorized:
            raise ValueError(
                f"`free_bits` needs a prior with a per-dimension KL (StandardNormal); "
                f"{type(prior).__name__} has none."
            )

    def __call__(self, bundle):
        reconstruction, kl = reconstruction_and_kl(bundle)
        kl_objective = kl
        if self.free_bits > 0:
            kl_objective = free_bits_kl(bundle.prior.kl_per_dimension(bundle.posterior), self.free_bits)
        weight = ops.cast(bundle.kl_weight, reconstruction.dtype)
        return {
            "loss": -(reconstruction - weight * kl_objective),
            "reconstruction": reconstruction,
            "kl": kl,
            "elbo": reconstruction - kl,
        }

    def get_config(self):
        return {"free_bits": self.free_bits, "num_samples": self.num_samples}

