"""A gated block of the two-stack Gated PixelCNN."""

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.layers.masked_conv2d import MaskedConv2D
from keras_vi.utils import check_positive_int


def _gate(h):
    a, b = ops.split(h, 2, axis=-1)
    return ops.tanh(a) * ops.sigmoid(b)


@keras_vi_export("keras_vi.layers.GatedPixelCNNBlock")
class GatedPixelCNNBlock(keras.layers.Layer):
    """A Gated PixelCNN block: a vertical and a horizontal stack, no blind spot.

    The vertical stack sees the rows above a pixel, whole (within the
    kernel); the horizontal stack sees the pixels to its left in its row and
    receives the vertical stack's features at the same position. With the
    network's first layer masked "A" (`MaskedConv2D(stack="vertical")`, which
    sees only rows above, and `stack="horizontal"`, only pixels to the left),
    the horizontal output at (i, j) depends on rows < i and on (i, < j): every
    earlier pixel within the receptive field and no later one. (A single
    raster-masked stack never sees the pixels up and to the right that lie
    beyond its kernel's reach: PixelCNN's blind spot.)

        v' = gate(V * v + c_v)
        h' = h + W_1x1 gate(H * h + W_1x1 (V * v) + c_h)
        gate([a, b]) = tanh(a) * sigmoid(b)

    V is a (k, k) vertical, H a (1, k) horizontal mask-"B" convolution; the
    condition (a class label, embedded, or a vector such as a VAE's z,
    projected by a dense layer) is added as per-block biases c_v, c_h, the
    same at every position.

    Args:
        filters: channels of each stack's input and output.
        kernel_size: of the masked convolutions (odd).
        num_conditions: None, or the number of classes of a class-label
            condition.
        condition_dim: None, or the size of a vector condition. At most one
            of `num_conditions` and `condition_dim`.

    Call arguments:
        inputs: [vertical, horizontal] features (batch, H, W, filters) each;
            with a condition, [vertical, horizontal, condition]: integer
            labels (batch,) or vectors (batch, condition_dim).

    Returns:
        [vertical, horizontal], shaped like the inputs.

    Reference:
        van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves and Kavukcuoglu,
        Conditional Image Generation with PixelCNN Decoders, NeurIPS 2016,
        Section 2.2 and Figure 2.
    """

    def __init__(self, filters, kernel_size=3, num_conditions=None, condition_dim=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        if num_conditions is not None and condition_dim is not None:
            raise ValueError("Give at most one of `num_conditions` and `condition_dim`.")
        self.num_conditions = None if num_conditions is None else check_positive_int(
            num_conditions, "num_conditions")
        self.condition_dim = None if condition_dim is None else check_positive_int(
            condition_dim, "condition_dim")
        self.vertical = MaskedConv2D(2 * filters, kernel_size, mask_type="B", stack="vertical")
        self.horizontal = MaskedConv2D(2 * filters, (1, kernel_size), mask_type="B", stack="horizontal")
        self.vertical_to_horizontal = keras.layers.Conv2D(2 * filters, 1)
        self.out = keras.layers.Conv2D(filters, 1)
        if self.num_conditions is not None:
            self.condition = keras.layers.Embedding(num_conditions, 4 * filters)
        elif self.condition_dim is not None:
            self.condition = keras.layers.Dense(4 * filters)
        else:
            self.condition = None

    @property
    def conditional(self):
        return self.condition is not None

    def build(self, input_shape):
        features = tuple(input_shape[0])
        double = (*features[:-1], 2 * self.filters)
        self.vertical.build(features)
        self.horizontal.build(features)
        self.vertical_to_horizontal.build(double)
        self.out.build((*features[:-1], self.filters))
        if self.num_conditions is not None:
            self.condition.build((None,))
        elif self.condition_dim is not None:
            self.condition.build((None, self.condition_dim))
        self.built = True

    def call(self, inputs):
        if len(inputs) != 2 + self.conditional:
            raise ValueError(
                f"`inputs` must be [vertical, horizontal{', condition' if self.conditional else ''}], "
                f"got {len(inputs)} tensors."
            )
        v, h = inputs[0], inputs[1]
        v_pre = self.vertical(v)
        h_pre = self.horizontal(h) + self.vertical_to_horizontal(v_pre)
        if self.conditional:
            condition = inputs[2]
            if self.num_conditions is not None:
                condition = ops.cast(condition, "int32")
            c_v, c_h = ops.split(self.condition(condition)[:, None, None, :], 2, axis=-1)
            v_pre, h_pre = v_pre + c_v, h_pre + c_h
        return [_gate(v_pre), h + self.out(_gate(h_pre))]

    def compute_output_shape(self, input_shape):
        return [tuple(input_shape[0]), tuple(input_shape[1])]

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "num_conditions": self.num_conditions,
            "condition_dim": self.condition_dim,
        }
