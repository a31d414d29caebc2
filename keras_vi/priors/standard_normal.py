"""The standard normal prior N(0, I), with its closed-form KL."""

from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.distributions import Normal
from keras_vi.objectives.kl import kl_normal_standard_normal
from keras_vi.priors.base import Prior


@keras_vi_export("keras_vi.priors.StandardNormal")
class StandardNormal(Prior):
    """p(z) = N(0, I): the default prior; its KL from q(z|x) is closed form.

    Examples:
        >>> import keras
        >>> from keras_vi.priors import StandardNormal
        >>> prior = StandardNormal()
        >>> prior.latent_dim = 2
        >>> round(float(keras.ops.convert_to_numpy(prior.log_prob(keras.ops.zeros((2,))))), 4)
        -1.8379
    """

    factorized = True

    def log_prob(self, z):
        z = ops.convert_to_tensor(z)
        return Normal(ops.zeros_like(z), ops.zeros_like(z)).log_prob(z)

    def sample_from_noise(self, noise):
        return ops.convert_to_tensor(noise)  # z is the noise itself

    def kl(self, posterior, z):
        return kl_normal_standard_normal(posterior.loc, posterior.log_var)

    def kl_per_dimension(self, posterior):
        return kl_normal_standard_normal(posterior.loc, posterior.log_var, per_dimension=True)
