"""Glow's invertible 1x1 convolution, in LU form."""

import math

import numpy as np
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers.bijector import Bijector, constant_per_example


@keras_vi_export("keras_vi.layers.Invertible1x1Conv")
class Invertible1x1Conv(Bijector):
    """y = x W over the channels (the last axis), a learned channel mixing.

    W is kept in LU form, W = P L (U + diag(sign(s) exp(log_s))), with P a
    fixed permutation, L unit lower triangular and U strictly upper
    triangular: log |det W| = sum(log_s), so the log-determinant costs
    O(C) instead of O(C^3), and W stays invertible. W starts as a random
    rotation drawn from `seed`.

    Args:
        seed: int or None, for the initial rotation.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        x: (batch, ..., channels).

    Returns:
        (y, log_det): y shaped like x; log_det (batch,) = (positions per
        example) * sum(log_s).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.layers import Invertible1x1Conv
        >>> layer = Invertible1x1Conv(seed=0)
        >>> x = np.random.default_rng(0).normal(size=(2, 3, 3, 4)).astype("float32")
        >>> y, log_det = layer.forward_and_log_det(x)
        >>> bool(np.allclose(ops.convert_to_numpy(layer.inverse(y)), x, atol=1e-5))
        True

    Reference:
        Kingma and Dhariwal, Glow: Generative Flow with Invertible 1x1 Convolutions, NeurIPS 2018.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an int or None, got {seed!r}.")
        self.seed = seed

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"Invertible1x1Conv takes (batch, ..., channels), got shape {tuple(input_shape)}.")
        channels = input_shape[-1]
        self._positions = math.prod(input_shape[1:-1])
        rotation = np.linalg.qr(np.random.default_rng(self.seed).normal(size=(channels, channels)))[0]
        perm, lower, upper = _lu(rotation)
        diag = np.diag(upper)

        def constant(value, name, trainable):
            return self.add_weight(shape=value.shape, initializer=_Constant(value),
                                   trainable=trainable, name=name)

        self.permutation = constant(perm, "permutation", False)
        self.sign_s = constant(np.sign(diag), "sign_s", False)
        self.lower = constant(np.tril(lower, -1), "lower", True)
        self.upper = constant(np.triu(upper, 1), "upper", True)
        self.log_s = constant(np.log(np.abs(diag)), "log_s", True)
        self._lower_mask = np.tril(np.ones((channels, channels)), -1).astype(self.compute_dtype)
        self._eye = np.eye(channels, dtype=self.compute_dtype)
        self.built = True

    def weight_matrix(self):
        """W = P L (U + diag(sign_s exp(log_s)))."""
        mask, eye = ops.convert_to_tensor(self._lower_mask), ops.convert_to_tensor(self._eye)
        lower = self.lower * mask + eye
        upper = self.upper * ops.transpose(mask) + ops.diag(self.sign_s * ops.exp(self.log_s))
        return ops.matmul(self.permutation, ops.matmul(lower, upper))

    def _log_det(self, x, sign):
        return constant_per_example(x, sign * self._positions * ops.sum(self.log_s))

    def _forward(self, x, context):
        return ops.matmul(x, self.weight_matrix()), self._log_det(x, 1.0)

    def _inverse(self, y, context):
        return ops.matmul(y, ops.inv(self.weight_matrix())), self._log_det(y, -1.0)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class _Constant:
    """An initializer returning a fixed NumPy value (not serialized: weights are)."""

    def __init__(self, value):
        self.value = value

    def __call__(self, shape, dtype=None):
        return ops.convert_to_tensor(self.value.astype(dtype or "float32"))


def _lu(w):
    """P, L, U with w = P L U (partial pivoting); L unit lower, U upper triangular."""
    n = len(w)
    u, perm, lower = w.astype(np.float64).copy(), np.eye(n), np.eye(n)
    for k in range(n - 1):
        pivot = k + int(np.argmax(np.abs(u[k:, k])))
        u[[k, pivot]], perm[[k, pivot]] = u[[pivot, k]], perm[[pivot, k]]
        lower[[k, pivot], :k] = lower[[pivot, k], :k]
        lower[k + 1 :, k] = u[k + 1 :, k] / u[k, k]
        u[k + 1 :] -= lower[k + 1 :, k, None] * u[k]
    return perm.T, lower, u
