"""Independent categorical variables parameterized by logits."""

import keras
from keras import ops

from keras_vi.utils import check_event_ndims, sum_last_axes


class Categorical:
    """Independent categorical variables over {0, ..., K - 1}.

    Args:
        logits: tensor (..., K) of unnormalized log-probabilities.
        event_ndims: how many trailing axes, before the class axis, form one
            event. Defaults to 1.
    """

    def __init__(self, logits, event_ndims=1):
        self.logits = ops.convert_to_tensor(logits)
        self.event_ndims = check_event_ndims(event_ndims)

    @property
    def num_classes(self):
        return self.logits.shape[-1]

    def mean(self):
        """E[x] = sum_k k p_k per variable."""
        values = ops.arange(self.num_classes, dtype=self.logits.dtype)
        return ops.sum(ops.softmax(self.logits, axis=-1) * values, axis=-1)

    def log_prob(self, x):
        """log p(x), x holding class indices (integers or whole-number floats)."""
        x = ops.cast(x, "int32")
        log_p = ops.log_softmax(self.logits, axis=-1)
        x = ops.broadcast_to(x, ops.shape(log_p)[:-1])
        elementwise = ops.take_along_axis(log_p, x[..., None], axis=-1)[..., 0]
        return sum_last_axes(elementwise, self.event_ndims)

    def sample(self, seed=None, num_samples=None):
        """Draws class indices (as the logits' float dtype); not reparameterizable."""
        shape = ops.shape(self.logits)[:-1]
        flat = ops.reshape(self.logits, (-1, self.num_classes))
        draws = keras.random.categorical(flat, 1 if num_samples is None else num_samples, seed=seed)
        draws = ops.cast(ops.transpose(draws), self.logits.dtype)  # (num_samples, prod(shape))
        if num_samples is None:
            return ops.reshape(draws, shape)
        return ops.reshape(draws, (num_samples, *shape))
