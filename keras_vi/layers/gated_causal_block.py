"""A gated residual block of dilated causal convolutions (WaveNet)."""

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_positive_int


@keras_vi_export("keras_vi.layers.GatedCausalBlock")
class GatedCausalBlock(keras.layers.Layer):
    """WaveNet's residual block: a gated, dilated, causal 1-D convolution.

        a, b = split(causal_conv_d(h) + c)
        g = tanh(a) * sigmoid(b)
        h' = h + W_res g,  skip = W_skip g

    The convolution is `keras.layers.Conv1D(padding="causal")`: the output at
    position t sees the inputs at t, t - d, ..., t - (k - 1) d and nothing
    after t. The condition c (a class label, embedded) is a bias, the same at
    every position.

    Args:
        filters: channels of the residual stream (input and output).
        kernel_size: taps of the causal convolution (2 in WaveNet).
        dilation_rate: d.
        num_conditions: None, or the number of classes of a label condition.

    Call arguments:
        inputs: features (batch, T, filters); with a condition,
            [features, labels (batch,)].

    Returns:
        [residual output (batch, T, filters), skip (batch, T, filters)].

    Reference:
        van den Oord et al., WaveNet: A Generative Model for Raw Audio, 2016,
        Section 2.3 and Figure 4.
    """

    def __init__(self, filters, kernel_size=2, dilation_rate=1, num_conditions=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.dilation_rate = check_positive_int(dilation_rate, "dilation_rate")
        self.num_conditions = None if num_conditions is None else check_positive_int(
            num_conditions, "num_conditions")
        self.conv = keras.layers.Conv1D(2 * filters, kernel_size, dilation_rate=dilation_rate,
                                        padding="causal")
        self.residual = keras.layers.Conv1D(filters, 1)
        self.skip = keras.layers.Conv1D(filters, 1)
        self.condition = (None if self.num_conditions is None
                          else keras.layers.Embedding(self.num_conditions, 2 * filters))

    @property
    def conditional(self):
        return self.condition is not None

    def build(self, input_shape):
        features = tuple(input_shape[0] if self.conditional else input_shape)
        self.conv.build(features)
        self.residual.build((*features[:-1], self.filters))
        self.skip.build((*features[:-1], self.filters))
        if self.conditional:
            self.condition.build((None,))
        self.built = True

    def call(self, inputs):
        if self.conditional:
            if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
                raise ValueError("`inputs` of a conditional block must be [features, labels].")
            h, labels = inputs
            pre = self.conv(h) + self.condition(ops.cast(labels, "int32"))[:, None, :]
        else:
            h = inputs
            pre = self.conv(h)
        a, b = ops.split(pre, 2, axis=-1)
        gated = ops.tanh(a) * ops.sigmoid(b)
        return [h + self.residual(gated), self.skip(gated)]

    def compute_output_shape(self, input_shape):
        features = tuple(input_shape[0] if self.conditional else input_shape)
        return [features, features]

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "dilation_rate": self.dilation_rate,
            "num_conditions": self.num_conditions,
        }
