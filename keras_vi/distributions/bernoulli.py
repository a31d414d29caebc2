"""Independent Bernoulli variables parameterized by logits."""

from keras import ops

from keras_vi import _random
from keras_vi.utils import check_event_ndims, sum_last_axes


class Bernoulli:
    """Independent Bernoulli variables parameterized by logits.

    Args:
        logits: tensor of log-odds.
        event_ndims: how many trailing axes form one event. Defaults to 1.
    """

    def __init__(self, logits, event_ndims=1):
        self.logits = ops.convert_to_tensor(logits)
        self.event_ndims = check_event_ndims(event_ndims)

    def mean(self):
        return ops.sigmoid(self.logits)

    def log_prob(self, x):
        """x * l - softplus(l), the stable form of x log p + (1 - x) log(1 - p).

        Defined for x in [0, 1] (continuous values give the "continuous
        Bernoulli" cross-entropy used for grey-level images, unnormalized).
        """
        x = ops.convert_to_tensor(x, dtype=self.logits.dtype)
        elementwise = x * self.logits - ops.softplus(self.logits)
        return sum_last_axes(elementwise, self.event_ndims)

    def sample(self, seed=None, num_samples=None):
        """Draws 0/1 values (as floats); not reparameterizable."""
        shape = ops.shape(self.logits)
        if num_samples is not None:
            shape = (num_samples, *shape)
        u = _random.uniform(shape, dtype=self.logits.dtype, seed=seed)
        return ops.cast(u < self.mean(), self.logits.dtype)

