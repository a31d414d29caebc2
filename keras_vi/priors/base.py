"""The protocol of a prior p(z), and the shared mixture-of-Gaussians machinery."""

import math

import keras
from keras import ops

from keras_vi import _random
from keras_vi.distributions import Normal
from keras_vi.utils import check_seed


class Prior(keras.layers.Layer):
    """Base of the priors p(z) over a latent vector of size `latent_dim`.

    A prior is a layer (it may own weights, trained with the model). The
    model calls `bind(model)` when it builds, so a prior may read the latent
    size, the data shape and the encoder. Subclasses implement `log_prob`
    and `sample_from_noise`; a prior with a closed-form KL from a diagonal
    Gaussian overrides `kl` and `kl_per_dimension`.

    `factorized` says whether the prior factorizes over the latent dimensions,
    so that `kl_per_dimension` is defined (free bits and the per-unit
    diagnostics need it).

    Sampling is a deterministic map of standard normal noise of shape
    (n, `noise_dim`), so an exported model can sample from noise alone.
    """

    factorized = False

    def bind(self, model):
        """Builds the prior for `model` (reads `model.latent_dim`)."""
        self.latent_dim = int(model.latent_dim)
        if not self.built:
            self.build((None, self.latent_dim))
            self.built = True

    @property
    def noise_dim(self):
        """Size of the standard normal noise `sample_from_noise` takes per draw."""
        return self.latent_dim

    def log_prob(self, z):
        """log p(z) for z of shape (..., latent_dim): shape (...)."""
        raise NotImplementedError

    def sample_from_noise(self, noise):
        """z of shape (n, latent_dim) from noise ~ N(0, I) of shape (n, noise_dim)."""
        raise NotImplementedError

    def sample(self, n, seed=None):
        """Draws n latents: (n, latent_dim). `seed`: an int or a SeedGenerator."""
        seed = None if seed is None else check_seed(seed)
        return self.sample_from_noise(_random.normal((n, self.noise_dim), seed=seed))

    def kl(self, posterior, z):
        """KL(q(z|x) || p(z)) per example, for q a diagonal `Normal` (batch, d).

        Here a Monte Carlo estimate over the draws `z` (k, batch, d) of q:
        mean_k [log q(z_k|x) - log p(z_k)]. Priors with a closed form override it.
        """
        return ops.mean(posterior.log_prob(z) - self.log_prob(z), axis=0)

    def kl_per_dimension(self, posterior):
        """Per-dimension KL (batch, d) where the prior factorizes; None otherwise."""
        return None

    def call(self, z):
        return self.log_prob(z)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])


class MixturePrior(Prior):
    """p(z) = sum_k pi_k N(z; mu_k, diag(exp(log_var_k))) from `components()`."""

    def components(self):
        """(logits (K,), means (K, d), log_vars (K, d)) of the mixture."""
        raise NotImplementedError

    @property
    def noise_dim(self):
        # one more normal draw picks the component (through the normal CDF)
        return self.latent_dim + 1

    def log_prob(self, z):
        logits, means, log_vars = self.components()
        z = ops.convert_to_tensor(z, dtype=means.dtype)
        component = Normal(means, log_vars).log_prob(z[..., None, :])  # (..., K)
        return ops.logsumexp(ops.log_softmax(logits) + component, axis=-1)

    def sample_from_noise(self, noise):
        logits, means, log_vars = self.components()
        noise = ops.convert_to_tensor(noise, dtype=means.dtype)
        u = _normal_cdf(noise[:, -1])  # uniform in (0, 1)
        cdf = ops.cumsum(ops.softmax(logits))
        # inverse CDF of the component weights: k = #{j < K - 1 : cdf_j < u}
        k = ops.sum(ops.cast(cdf[None, :-1] < u[:, None], "int32"), axis=1)
        scale = ops.exp(0.5 * ops.take(log_vars, k, axis=0))
        return ops.take(means, k, axis=0) + scale * noise[:, :-1]


# Abramowitz and Stegun 7.1.26: |erf error| < 1.5e-7. Elementary ops only:
# `ops.erf` lowers on JAX to a StableHLO composite that TF SavedModels cannot load.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _normal_cdf(x):
    """Phi(x), the standard normal CDF, to within 1e-7."""
    a = ops.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + _AS_P * a)
    poly = t * (_AS_A[0] + t * (_AS_A[1] + t * (_AS_A[2] + t * (_AS_A[3] + t * _AS_A[4]))))
    erf_abs = 1.0 - poly * ops.exp(-a * a)
    return 0.5 * (1.0 + ops.sign(x) * erf_abs)
