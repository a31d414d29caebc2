"""Diagonal Gaussian parameterized by its mean and log-variance."""

from keras import ops

from keras_vi import _random
from keras_vi._replicas import draw_for_global_batch
from keras_vi.utils import LOG_2PI, check_event_ndims, sum_last_axes


class Normal:
    """Diagonal Gaussian N(mean, diag(exp(log_var))).

    The last `event_ndims` axes form one event: `log_prob` sums over them. The
    log-variance parameterization keeps the variance positive without a
    constraint and is what an encoder's "log-variance head" outputs.

    Args:
        mean: tensor of means.
        log_var: tensor of log-variances, of the same shape as `mean`.
        event_ndims: how many trailing axes form one event. Defaults to 1.

    Examples:
        >>> from keras import ops
        >>> from keras_vi.distributions import Normal
        >>> q = Normal(ops.zeros((2, 3)), ops.zeros((2, 3)))
        >>> tuple(q.log_prob(ops.zeros((2, 3))).shape)
        (2,)
    """

    def __init__(self, mean, log_var, event_ndims=1):
        self.loc = ops.convert_to_tensor(mean)
        self.log_var = ops.convert_to_tensor(log_var, dtype=self.loc.dtype)
        self.event_ndims = check_event_ndims(event_ndims)

    def mean(self):
        return self.loc

    def stddev(self):
        return ops.exp(0.5 * self.log_var)

    def log_prob(self, x):
        """log N(x; mean, exp(log_var)), summed over the event axes."""
        x = ops.convert_to_tensor(x, dtype=self.loc.dtype)
        elementwise = -0.5 * (
            LOG_2PI + self.log_var + ops.square(x - self.loc) * ops.exp(-self.log_var)
        )
        return sum_last_axes(elementwise, self.event_ndims)

    def sample(self, seed=None, num_samples=None):
        """Reparameterized draw: mean + exp(log_var / 2) * eps, eps ~ N(0, I).

        Args:
            seed: an int, a `keras.random.SeedGenerator`, or None.
            num_samples: None for one draw shaped like `mean`, or k for a
                leading sample axis: (k, *mean.shape).
        """
        shape = ops.shape(self.loc)
        if num_samples is not None:
            shape = (num_samples, *shape)
        # under tf.distribute: noise of the global batch, this replica's rows
        eps = draw_for_global_batch(
            lambda s: _random.normal(s, dtype=self.loc.dtype, seed=seed), shape,
            batch_axis=0 if num_samples is None else 1)
        return self.loc + self.stddev() * eps
