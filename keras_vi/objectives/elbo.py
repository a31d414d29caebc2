"""The evidence lower bound as a small serializable objective."""

from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_non_negative_float


@keras_vi_export("keras_vi.objectives.ELBO")
class ELBO:
    """ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)), with beta and free bits.

    Takes per-example reconstruction log-likelihoods and per-dimension KL terms
    and returns per-example terms; the model averages them over the batch.

    The training loss is `-(reconstruction - beta * kl_objective)`. Without
    free bits `kl_objective` is the KL. With free bits lambda > 0 each latent
    dimension's KL, averaged over the minibatch, is replaced by
    max(lambda, KL_d) (Kingma et al., 2016): a dimension below lambda nats gets
    no gradient pushing it further toward the prior, which counters posterior
    collapse. The reported `kl` and `elbo` are always the true values.

    Args:
        beta: weight of the KL term (beta-VAE; 1.0 is the ELBO). Must be >= 0.
        free_bits: lambda, nats per latent dimension (0.0 turns it off).

    Call arguments:
        reconstruction: (batch,) log p(x|z) for a sample z ~ q(z|x).
        kl_per_dim: (batch, latent_dim) closed-form KL per latent dimension.
        beta: optional tensor overriding `beta` (a variable driven by a
            KL-annealing schedule, for example).

    Returns:
        A dict of (batch,) tensors: `loss`, `reconstruction`, `kl`, `elbo`.

    Example:

    >>> elbo = ELBO(beta=4.0)
    >>> terms = elbo(ops.array([-10.0]), ops.array([[0.5, 1.0]]))
    >>> float(terms["loss"][0])
    16.0

    References:
        Kingma and Welling, 2014; Higgins et al., beta-VAE, 2017;
        Kingma et al., Improved Variational Inference with IAF, 2016 (free bits).
    """

    def __init__(self, beta=1.0, free_bits=0.0):
        self.beta = check_non_negative_float(beta, "beta")
        self.free_bits = check_non_negative_float(free_bits, "free_bits")

    def __call__(self, reconstruction, kl_per_dim, beta=None):
        beta = self.beta if beta is None else beta
        reconstruction = ops.convert_to_tensor(reconstruction)
        kl_per_dim = ops.convert_to_tensor(kl_per_dim, dtype=reconstruction.dtype)
        kl = ops.sum(kl_per_dim, axis=-1)
        if self.free_bits > 0:
            # mean over the batch of the masked terms equals
            # sum_d max(lambda, mean_batch KL_d), the paper's objective.
            batch_kl = ops.mean(kl_per_dim, axis=0, keepdims=True)
            active = ops.cast(batch_kl >= self.free_bits, kl_per_dim.dtype)
            kl_objective = ops.sum(
                active * kl_per_dim + (1.0 - active) * self.free_bits, axis=-1
            )
        else:
            kl_objective = kl
        return {
            "loss": -(reconstruction - beta * kl_objective),
            "reconstruction": reconstruction,
            "kl": kl,
            "elbo": reconstruction - kl,
        }

    def get_config(self):
        return {"beta": self.beta, "free_bits": self.free_bits}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
