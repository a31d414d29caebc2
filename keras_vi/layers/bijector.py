"""The protocol of an invertible layer: forward with its log-determinant, and inverse."""

import keras
from keras import ops

from keras_vi.utils import full_precision


class Bijector(keras.layers.Layer):
    """Base of the invertible layers of normalizing flows, with distrax's names.

    A bijector maps x to y and back: `y, log_det = layer.forward_and_log_det(x)`
    with log_det = log |det dy/dx| per example (shape (batch,)); calling the
    layer is the same. `x, log_det = layer.inverse_and_log_det(y)` gives
    log |det dx/dy| = -log_det, and `x = layer.inverse(y)` the map alone
    (distrax's `Bijector`). Both take what a Keras layer call takes: NumPy
    arrays or tensors of any backend. Subclasses implement `_forward` and
    `_inverse`, each returning the mapped tensor and its log-determinant;
    layers conditioned on a context (`takes_context`) receive it, others
    refuse one.

    Call arguments:
        x: a tensor of the layer's input shape.
        context: only for conditional bijectors (`AffineCoupling` with
            `context_channels`): features of the same height and width.
    """

    takes_context = False

    def __init__(self, **kwargs):
        super().__init__(**full_precision(kwargs))  # log-determinants in float32

    def call(self, x, context=None):
        self._check_context(context)
        return self._forward(x, context)

    def forward_and_log_det(self, x, context=None):
        """(y, log |det dy/dx|) with log_det of shape (batch,): the layer's call."""
        return self(x, context=context)

    def inverse_and_log_det(self, y, context=None):
        """(x, log |det dx/dy|), the inverse map and its log-determinant."""
        self._check_context(context)
        y = ops.convert_to_tensor(y, dtype=self.compute_dtype)
        if context is not None:
            context = ops.convert_to_tensor(context, dtype=self.compute_dtype)
        if not self.built:
            self.build(tuple(y.shape))
        return self._inverse(y, context)

    def inverse(self, y, context=None):
        """x with forward_and_log_det(x)[0] == y."""
        return self.inverse_and_log_det(y, context)[0]

    def _check_context(self, context):
        if context is not None and not self.takes_context:
            raise ValueError(f"{type(self).__name__} takes no `context`, got one.")

    def _forward(self, x, context):
        raise NotImplementedError

    def _inverse(self, y, context):
        raise NotImplementedError

    def compute_output_spec(self, x, context=None):
        y = keras.KerasTensor(self.compute_output_shape(tuple(x.shape)), dtype=self.compute_dtype)
        return y, keras.KerasTensor((x.shape[0],), dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def sum_per_example(x):
    """Sums every axis but the first: per-example totals of shape (batch,)."""
    return ops.sum(ops.reshape(x, (ops.shape(x)[0], -1)), axis=1)


def constant_per_example(x, value):
    """`value` for each example of x: shape (batch,), also under a symbolic batch size."""
    return ops.ones_like(ops.reshape(x, (ops.shape(x)[0], -1))[:, 0]) * value
