"""A gated residual block of PixelCNN."""

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers.masked_conv2d import MaskedConv2D


@keras_vi_export("keras_vi.layers.GatedPixelCNNBlock")
class GatedPixelCNNBlock(keras.layers.Layer):
    """A gated residual PixelCNN block: x + W_1x1 (tanh(a) * sigmoid(b)).

    [a, b] = MaskedConv2D_B(x) (+ an embedding of the class, for a conditional
    model). The gated activation is the one of Gated PixelCNN (van den Oord et
    al., 2016, Conditional Image Generation with PixelCNN Decoders, Eq. 2),
    here on a single masked stack: the vertical/horizontal two-stack layout
    that removes the masked convolution's blind spot is not implemented.

    Args:
        filters: channels of the block's input and output.
        kernel_size: of the masked convolution (odd).
        num_conditions: None, or the number of classes of an optional condition.

    Call arguments:
        inputs: (batch, H, W, filters) features; or a list
            [features, condition] with integer condition labels (batch,).
    """

    def __init__(self, filters, kernel_size=3, num_conditions=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.num_conditions = num_conditions
        self.conv = MaskedConv2D(2 * filters, kernel_size, mask_type="B")
        self.out = keras.layers.Conv2D(filters, 1)
        self.condition = (
            keras.layers.Embedding(num_conditions, 2 * filters) if num_conditions else None
        )

    def build(self, input_shape):
        features = input_shape[0] if isinstance(input_shape, (list, tuple)) and isinstance(
            input_shape[0], (list, tuple)) else input_shape
        self.conv.build(features)
        self.out.build((*features[:-1], self.filters))
        if self.condition is not None:
            self.condition.build((None,))
        self.built = True

    def call(self, inputs):
        if self.condition is not None:
            x, label = inputs
        else:
            x, label = inputs, None
        h = self.conv(x)
        if label is not None:
            h = h + self.condition(ops.cast(label, "int32"))[:, None, None, :]
        a, b = ops.split(h, 2, axis=-1)
        return x + self.out(ops.tanh(a) * ops.sigmoid(b))

    def compute_output_shape(self, input_shape):
        if self.condition is not None:
            return tuple(input_shape[0])
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "num_conditions": self.num_conditions,
        }
