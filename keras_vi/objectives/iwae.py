"""The importance-weighted bound L_k as a small serializable objective."""

from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_positive_int, log_mean_exp


@keras_vi_export("keras_vi.objectives.IWAEBound")
class IWAEBound:
    """L_k = E[log (1/k) sum_i p(x, z_i) / q(z_i|x)], z_i ~ q(z|x) i.i.d.

    L_1 is the ELBO; L_k <= L_{k+1} <= log p(x) (Burda et al., Theorem 1).
    The average over samples is a log-mean-exp through a stable log-sum-exp,
    so no weight p/q is ever formed outside log space.

    Args:
        num_samples: k, the number of importance samples (>= 1).

    Call arguments:
        log_px_z: (k, batch) log p(x|z_i).
        log_pz: (k, batch) log p(z_i) under the prior.
        log_qz_x: (k, batch) log q(z_i|x) under the encoder.

    Returns:
        A dict of (batch,) tensors: `loss` (= -L_k) and `iwae_bound` (L_k).

    Reference:
        Burda, Grosse and Salakhutdinov, Importance Weighted Autoencoders, 2016.
    """

    def __init__(self, num_samples=5):
        self.num_samples = check_positive_int(num_samples, "num_samples")

    def __call__(self, log_px_z, log_pz, log_qz_x):
        log_px_z = ops.convert_to_tensor(log_px_z)
        dtype = log_px_z.dtype
        log_w = log_px_z + ops.convert_to_tensor(log_pz, dtype) - ops.convert_to_tensor(log_qz_x, dtype)
        bound = log_mean_exp(log_w, axis=0)
        return {"loss": -bound, "iwae_bound": bound}

    def get_config(self):
        return {"num_samples": self.num_samples}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
