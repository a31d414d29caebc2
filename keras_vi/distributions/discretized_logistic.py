"""The discretized logistic (mixture) over 8-bit values (PixelCNN++, IAF)."""

import keras
from keras import ops

from keras_vi import _random
from keras_vi.utils import check_event_ndims, sum_last_axes

NUM_BINS = 256
_HALF_BIN = 1.0 / (NUM_BINS - 1)  # half a bin's width on the [-1, 1] scale


def _log_sigmoid_difference(a, b):
    """log(sigmoid(a) - sigmoid(b)) for a > b, stable at any magnitude.

    sigmoid(a) - sigmoid(b) = (e^a - e^b) / ((1 + e^a)(1 + e^b)), so its log is
    a + log(1 - e^(b - a)) - softplus(a) - softplus(b): no difference of two
    nearly equal probabilities is ever formed (PixelCNN++ switches to the
    density times the bin width where that difference underflows; this form
    needs no switch).
    """
    return a + ops.log(-ops.expm1(b - a)) - ops.softplus(a) - ops.softplus(b)


class DiscretizedLogistic:
    """Values 0..255 with P(x) = the logistic's mass on x's bin (a mixture option).

    The logistic lives on the [-1, 1] scale, where value v sits at
    2 v / 255 - 1 and its bin spans ±1/255; the bins of 0 and 255 extend to
    -inf and +inf, so the 256 probabilities of a pixel sum to 1 exactly.

    Args:
        loc: location on the [-1, 1] scale.
        log_scale: log of the logistic's scale, shaped like `loc`.
        logits: None for one logistic; else mixture logits, and then `loc`,
            `log_scale` and `logits` carry the components on their last axis.
        event_ndims: how many trailing axes (components excluded) form an event.

    Reference:
        Salimans et al., PixelCNN++, ICLR 2017; Kingma et al., Improved
        Variational Inference with Inverse Autoregressive Flow, 2016.
    """

    def __init__(self, loc, log_scale, logits=None, event_ndims=1):
        self.loc = ops.convert_to_tensor(loc)
        self.log_scale = ops.convert_to_tensor(log_scale, dtype=self.loc.dtype)
        self.logits = None if logits is None else ops.convert_to_tensor(logits, self.loc.dtype)
        self.event_ndims = check_event_ndims(event_ndims)

    def _component_log_prob(self, x):
        """log P(x) per value (and per component): x as floats 0..255."""
        if self.logits is not None:
            x = x[..., None]
        centered = x * (2.0 / (NUM_BINS - 1)) - 1.0 - self.loc
        inv_scale = ops.exp(-self.log_scale)
        upper = (centered + _HALF_BIN) * inv_scale
        lower = (centered - _HALF_BIN) * inv_scale
        # Edge bins: P(x = 0) = sigmoid(upper), P(x = 255) = 1 - sigmoid(lower).
        # The interior form is evaluated with safe arguments at the edges.
        first, last = x < 0.5, x > NUM_BINS - 1.5
        interior = _log_sigmoid_difference(
            ops.where(last, lower + 1.0, upper), ops.where(first, upper - 1.0, lower)
        )
        return ops.where(
            first, -ops.softplus(-upper), ops.where(last, -ops.softplus(lower), interior)
        )

    def log_prob(self, x):
        """log P(x), summed over the event axes; x holds integers 0..255."""
        x = ops.convert_to_tensor(x, dtype=self.loc.dtype)
        log_p = self._component_log_prob(x)
        if self.logits is not None:
            log_p = ops.logsumexp(ops.log_softmax(self.logits, axis=-1) + log_p, axis=-1)
        return sum_last_axes(log_p, self.event_ndims)

    def mean(self):
        """E[x] in [0, 255], exactly: sum over v < 255 of P(x > v)."""
        edges = ops.arange(NUM_BINS - 1, dtype=self.loc.dtype) * (2.0 / (NUM_BINS - 1)) - 1.0
        edges = edges + _HALF_BIN  # the upper edge of each bin but the last
        tail = ops.sigmoid(
            (self.loc[..., None] - edges) * ops.exp(-self.log_scale)[..., None]
        )  # P(x > v) for v = 0..254
        mean = ops.sum(tail, axis=-1)
        if self.logits is not None:
            mean = ops.sum(ops.softmax(self.logits, axis=-1) * mean, axis=-1)
        return mean

    def sample(self, seed=None, num_samples=None):
        """Draws integers 0..255 (as floats); not reparameterizable."""
        shape = ops.shape(self.loc)
        if num_samples is not None:
            shape = (num_samples, *shape)
        seed = keras.random.SeedGenerator(seed) if isinstance(seed, int) else seed
        u = _random.uniform(shape, 1e-5, 1.0 - 1e-5, dtype=self.loc.dtype, seed=seed)
        x = self.loc + ops.exp(self.log_scale) * (ops.log(u) - ops.log1p(-u))
        if self.logits is not None:
            # Gumbel-max picks one component per value
            g = _random.uniform(shape, 1e-6, 1.0 - 1e-6, dtype=self.loc.dtype, seed=seed)
            pick = ops.argmax(self.logits - ops.log(-ops.log(g)), axis=-1)
            x = ops.take_along_axis(x, pick[..., None], axis=-1)[..., 0]
        return ops.clip(ops.round((x + 1.0) * (NUM_BINS - 1) / 2.0), 0.0, NUM_BINS - 1.0)
