"""The logit preprocessing of flows on [0, 1] data, with its log-determinant."""

import math

from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers.bijector import Bijector, sum_per_example


@keras_vi_export("keras_vi.layers.LogitTransform")
class LogitTransform(Bijector):
    """y = logit(alpha + (1 - 2 alpha) v): data in [0, 1] to the real line.

    Flows model unbounded values; dequantized pixels lie in [0, 1). The
    squeeze into [alpha, 1 - alpha] keeps the logit finite at 0 and 1.
    log |dy/dv| = log(1 - 2 alpha) - log s - log(1 - s) with
    s = alpha + (1 - 2 alpha) v, written with softplus of y for stability.

    Args:
        alpha: the margin kept from 0 and 1 (in [0, 0.5)).
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        x: values in [0, 1], any shape with a batch axis.

    Returns:
        (y, log_det): y shaped like x; log_det (batch,).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.layers import LogitTransform
        >>> y, log_det = LogitTransform(alpha=0.0).forward_and_log_det(np.full((1, 1), 0.5, "float32"))
        >>> float(ops.convert_to_numpy(y)[0, 0]), round(float(ops.convert_to_numpy(log_det)[0]), 4)
        (0.0, 1.3863)

    Reference:
        Dinh, Sohl-Dickstein and Bengio, Density estimation using Real NVP, ICLR 2017.
    """

    def __init__(self, alpha=1e-5, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha < 0.5:
            raise ValueError(f"`alpha` must be a number in [0, 0.5), got {alpha!r}.")
        self.alpha = float(alpha)

    def build(self, input_shape):
        self.built = True

    def _log_det(self, y):
        # -log s - log(1 - s) = softplus(-y) + softplus(y), with y = logit(s)
        return sum_per_example(ops.softplus(-y) + ops.softplus(y) + math.log1p(-2.0 * self.alpha))

    def _forward(self, x, context):
        s = self.alpha + (1.0 - 2.0 * self.alpha) * x
        y = ops.log(s) - ops.log1p(-s)
        return y, self._log_det(y)

    def _inverse(self, y, context):
        x = (ops.sigmoid(y) - self.alpha) / (1.0 - 2.0 * self.alpha)
        return x, -self._log_det(y)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
