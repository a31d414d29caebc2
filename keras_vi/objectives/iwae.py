"""The importance-weighted bound L_k as a small serializable objective."""

from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.objectives.base import Objective, reconstruction_and_kl
from keras_vi.utils import check_positive_int, log_mean_exp


def iwae_bound(log_px_z, log_pz, log_qz_x, kl_weight=1.0):
    """L_k = log (1/k) sum_i exp(log p(x|z_i) + w (log p(z_i) - log q(z_i|x))).

    With w = 1 (the default) this is the bound of Burda et al.; the weight w
    is the KL weight annealed into the importance weights (w = 0: the bound
    of the likelihood alone). The mean over samples is a log-mean-exp through
    a stable log-sum-exp, so no weight p/q is formed outside log space.

    Args:
        log_px_z: (k, batch) log p(x|z) of the k draws.
        log_pz: (k, batch) log p(z) of the k draws.
        log_qz_x: (k, batch) log q(z|x) of the k draws.
        kl_weight: w, a number or a scalar tensor.

    Returns:
        (batch,) L_k.
    """
    log_px_z = ops.convert_to_tensor(log_px_z)
    dtype = log_px_z.dtype
    log_ratio = ops.convert_to_tensor(log_pz, dtype) - ops.convert_to_tensor(log_qz_x, dtype)
    return log_mean_exp(log_px_z + ops.cast(kl_weight, dtype) * log_ratio, axis=0)


@keras_vi_export("keras_vi.objectives.IWAEBound")
class IWAEBound(Objective):
    """L_k = E[log (1/k) sum_i p(x, z_i) / q(z_i|x)], z_i ~ q(z|x) i.i.d.

    L_1 is the ELBO; L_k <= L_{k+1} <= log p(x) (Burda et al., Theorem 1).
    The loss is -L_k. The model's `kl_weight` w scales log p(z_i) - log q(z_i|x)
    inside each importance weight (`iwae_bound`), so KL annealing has a
    defined meaning here too: w rising from 0 to 1 moves from the bound on
    log p(x|z) alone to L_k. It logs `iwae_bound` and the ELBO's terms
    (`reconstruction`, `kl`, `elbo`, with the prior's KL).

    Args:
        num_samples: k, the number of importance samples (>= 1).

    Reference:
        Burda, Grosse and Salakhutdinov, Importance Weighted Autoencoders, 2016.
    """

    metric_names = ("reconstruction", "kl", "elbo", "iwae_bound")
    uses_kl_weight = True

    def __init__(self, num_samples=5):
        self.num_samples = check_positive_int(num_samples, "num_samples")

    def __call__(self, bundle):
        log_pz = bundle.prior.log_prob(bundle.z)
        log_qz_x = bundle.posterior.log_prob(bundle.z)
        bound = iwae_bound(bundle.log_px_z, log_pz, log_qz_x, bundle.kl_weight)
        reconstruction, kl = reconstruction_and_kl(bundle)
        return {
            "loss": -bound,
            "iwae_bound": bound,
            "reconstruction": reconstruction,
            "kl": kl,
            "elbo": reconstruction - kl,
        }

    def get_config(self):
        return {"num_samples": self.num_samples}
