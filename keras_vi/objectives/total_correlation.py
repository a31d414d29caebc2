"""The β-TCVAE objective: the ELBO with its total-correlation term weighted by β."""

import math

from keras import ops

from keras_vi._replicas import gather_across_replicas
from keras_vi.api_export import keras_vi_export
from keras_vi.objectives.base import Objective, reconstruction_and_kl
from keras_vi.utils import LOG_2PI, check_non_negative_float, check_positive_int


def total_correlation(z, mean, log_var, dataset_size=None):
    """Minibatch estimate of TC = KL(q(z) || prod_d q(z_d)) at each draw: (..., batch).

    q(z) is the aggregate posterior. Each draw z_i (from q(z|x_i)) is scored
    against the mixture of the batch's posteriors:
    log q(z_i) ~ logsumexp_j log q(z_i|x_j) - log C, and each marginal
    log q(z_id) ~ logsumexp_j log q(z_id|x_j) - log C, where C = M (the batch
    size: q(z) is the batch's mixture) or, with `dataset_size` N, C = N M
    (Chen et al.'s minibatch-weighted sampling). The constant shifts the
    estimate by (d - 1) log C and leaves its gradient unchanged.

    Args:
        z: draws, (batch, d) or (k, batch, d).
        mean, log_var: the batch's posterior parameters, (batch, d).
        dataset_size: None, or N for minibatch-weighted sampling.
    """
    z = ops.convert_to_tensor(z)
    # under tf.distribute: the mixture of the global batch's posteriors, as on one device
    mean = gather_across_replicas(ops.cast(mean, z.dtype))
    log_var = gather_across_replicas(ops.cast(log_var, z.dtype))
    # log q(z_id | x_j) for every pair (i, j): (..., batch_i, batch_j, d).
    diff = ops.expand_dims(z, -2) - mean
    log_q = -0.5 * (LOG_2PI + log_var + ops.square(diff) * ops.exp(-log_var))
    batch = ops.cast(ops.shape(mean)[0], z.dtype)
    log_c = ops.log(batch) + (0.0 if dataset_size is None else math.log(dataset_size))
    log_qz = ops.logsumexp(ops.sum(log_q, axis=-1), axis=-1) - log_c
    log_prod_marginals = ops.sum(ops.logsumexp(log_q, axis=-2) - log_c, axis=-1)
    return log_qz - log_prod_marginals


@keras_vi_export("keras_vi.objectives.TotalCorrelationELBO")
class TotalCorrelationELBO(Objective):
    """β-TCVAE: ELBO - (β - 1) TC, TC the total correlation of the aggregate posterior.

    The KL term of the ELBO, averaged over the data, splits into the index-code
    mutual information, the total correlation TC = KL(q(z) || prod_d q(z_d))
    and the dimension-wise KL (Chen et al., 2018). β-TCVAE weights only TC by
    β, so the loss is -(reconstruction - kl_weight * kl - (β - 1) * TC), with
    TC estimated on the minibatch (`total_correlation`). β = 1 is the ELBO.
    Logs `reconstruction`, `kl`, `elbo` and `total_correlation`.

    Args:
        beta: β >= 0, the weight of the total correlation.
        dataset_size: None (q(z) is the batch's mixture), or the size N of
            the training set for minibatch-weighted sampling.
        num_samples: draws of z per example.

    Reference:
        Chen, Li, Grosse and Duvenaud, Isolating Sources of Disentanglement
        in Variational Autoencoders, NeurIPS 2018.
    """

    metric_names = ("reconstruction", "kl", "elbo", "total_correlation")
    uses_kl_weight = True

    def __init__(self, beta=6.0, dataset_size=None, num_samples=1):
        self.beta = check_non_negative_float(beta, "beta")
        self.dataset_size = None if dataset_size is None else check_positive_int(dataset_size, "dataset_size")
        self.num_samples = check_positive_int(num_samples, "num_samples")

    def __call__(self, bundle):
        reconstruction, kl = reconstruction_and_kl(bundle)
        posterior = bundle.posterior
        tc = ops.mean(total_correlation(bundle.z, posterior.mean(), posterior.log_var, self.dataset_size), axis=0)
        weight = ops.cast(bundle.kl_weight, reconstruction.dtype)
        return {
            "loss": -(reconstruction - weight * kl - (self.beta - 1.0) * tc),
            "reconstruction": reconstruction,
            "kl": kl,
            "elbo": reconstruction - kl,
            "total_correlation": tc,
        }

    def get_config(self):
        return {"beta": self.beta, "dataset_size": self.dataset_size, "num_samples": self.num_samples}
