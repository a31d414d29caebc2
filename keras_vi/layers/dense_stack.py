"""A chain of Dense layers and its linear heads, called as one layer."""

import math

import keras
from keras import ops

from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_positive_int


@keras_vi_export("keras_vi.layers.DenseStack")
class DenseStack(keras.layers.Layer):
    """`Dense(units[0], activation)` -> ... -> one linear `Dense` head per output, in one call.

    The same network as the functional chain of `keras.layers.Dense` layers
    (same sub-layers, so the same weights, initialization and outputs), run
    as one layer call: on PyTorch, where every Keras layer call costs about
    0.1 ms of Python, the default MLP encoder and decoder of the MLP VAE take
    about 1 ms less per training step (`benchmarks/torch_step.py`,
    benchmarks/README.md). On PyTorch each affine map of a 2-D input is one
    `torch.addmm` (product and bias in one kernel) and ReLU is `torch.relu`,
    called directly rather than through `keras.ops`. The zoo's default
    networks for vector data are DenseStacks.

    Args:
        units: hidden layer sizes, e.g. `(512, 256)`; may be empty.
        heads: one output per entry: an int (a vector of that size) or a
            per-example shape (a Dense of its size, reshaped).
        activation: of the hidden layers (the heads are linear).
        input_rescaling: None, or (scale, offset) applied to the input first,
            as `keras.layers.Rescaling(scale, offset)`.
        head_names: names of the heads' Dense layers (default "head_i").
        **kwargs: `keras.layers.Layer` arguments (name, dtype).

    Call returns a tensor for one head, a list for several.

    Example:

    >>> from keras import ops
    >>> from keras_vi.layers import DenseStack
    >>> stack = DenseStack((16,), heads=(2, 2), head_names=("mean", "log_var"))
    >>> [tuple(t.shape) for t in stack(ops.zeros((3, 5)))]
    [(3, 2), (3, 2)]
    """

    def __init__(self, units, heads, activation="relu", input_rescaling=None, head_names=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, (list, tuple)):
            raise ValueError(f"`units` must be a list of positive ints, got {units!r}.")
        self.units = tuple(check_positive_int(u, "units") for u in units)
        if not isinstance(heads, (list, tuple)) or not heads:
            raise ValueError(f"`heads` must be a non-empty list of sizes or shapes, got {heads!r}.")
        self.heads = tuple(_head_shape(h) for h in heads)  # per-example shapes
        self._head_config = tuple(h if len(s) == 1 and not isinstance(h, (list, tuple)) else s
                                  for h, s in zip(heads, self.heads))
        if head_names is not None and len(head_names) != len(self.heads):
            raise ValueError(f"`head_names` must name each of the {len(self.heads)} heads, got {head_names!r}.")
        self.head_names = None if head_names is None else tuple(head_names)
        if input_rescaling is not None and len(input_rescaling) != 2:
            raise ValueError(f"`input_rescaling` must be None or (scale, offset), got {input_rescaling!r}.")
        self.input_rescaling = None if input_rescaling is None else tuple(float(v) for v in input_rescaling)
        self.activation = keras.activations.get(activation)
        # Dense sub-layers built in the order the functional chain builds them:
        # each creates its weights and draws its initial values as it would there.
        self.hidden = [keras.layers.Dense(u, activation=activation, dtype=self.dtype_policy)
                       for u in self.units]
        names = self.head_names or [f"head_{i}" for i in range(len(self.heads))]
        self.head_layers = [keras.layers.Dense(math.prod(s), name=n, dtype=self.dtype_policy)
                            for s, n in zip(self.heads, names)]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.hidden:
            layer.build(shape)
            shape = (*shape[:-1], layer.units)
        for layer in self.head_layers:
            layer.build(shape)
        self.built = True

    def call(self, x):
        h = x
        if self.input_rescaling is not None:
            scale, offset = self.input_rescaling
            h = ops.cast(h, self.compute_dtype) * scale + offset
        affine, activation = self._kernels(h)
        for layer in self.hidden:
            h = activation(affine(h, layer))
        outs = []
        for layer, shape in zip(self.head_layers, self.heads):
            out = affine(h, layer)
            outs.append(out if len(shape) == 1 else ops.reshape(out, (-1, *shape)))
        return outs[0] if len(outs) == 1 else outs

    def _kernels(self, h):
        """(affine, activation) for input `h`: on PyTorch, its own ops, called directly."""
        if keras.backend.backend() != "torch" or len(h.shape) != 2 or not h.is_floating_point():
            return _affine, self.activation
        import torch

        # `addmm`: the product and the bias in one kernel (and one backward) per layer.
        return _torch_affine, torch.relu if self.activation is keras.activations.relu else self.activation

    def compute_output_shape(self, input_shape):
        shapes = [(input_shape[0], *s) for s in self.heads]
        return shapes[0] if len(shapes) == 1 else shapes

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "heads": self._head_config,
            "activation": keras.activations.serialize(self.activation),
            "input_rescaling": self.input_rescaling,
            "head_names": self.head_names,
        }


def _affine(h, layer):
    return ops.add(ops.matmul(h, layer.kernel), layer.bias)


def _torch_affine(h, layer):
    """`h @ kernel + bias` as PyTorch's `addmm`: one call in place of two Keras ops and kernels."""
    import torch

    # `.value` is the variable as the layer computes with it (cast under an autocast scope).
    return torch.addmm(layer.bias.value, h, layer.kernel.value)


def _head_shape(head):
    if isinstance(head, (list, tuple)):
        return tuple(check_positive_int(d, "heads") for d in head)
    return (check_positive_int(head, "heads"),)
