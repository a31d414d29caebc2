"""Custom Keras layers of keras_vi.

`DEQUANTIZERS` maps the string shortcuts (`dequantization="variational"`) to
the dequantizer classes; `get_dequantizer` resolves a name or passes a layer through.
"""

import keras

from keras_vi.layers.act_norm import ActNorm
from keras_vi.layers.affine_coupling import AffineCoupling
from keras_vi.layers.bijector import Bijector
from keras_vi.layers.dequantizer import Dequantizer
from keras_vi.layers.gated_causal_block import GatedCausalBlock
from keras_vi.layers.gated_pixelcnn_block import GatedPixelCNNBlock
from keras_vi.layers.invertible_1x1_conv import Invertible1x1Conv
from keras_vi.layers.logit_transform import LogitTransform
from keras_vi.layers.masked_conv2d import MaskedConv2D
from keras_vi.layers.sampling import Sampling
from keras_vi.layers.squeeze import Squeeze
from keras_vi.layers.uniform_dequantization import UniformDequantization
from keras_vi.layers.variational_dequantization import VariationalDequantization
from keras_vi.layers.vector_quantizer import VectorQuantizer
from keras_vi.utils import Registry

DEQUANTIZERS = Registry("dequantization", Dequantizer, {
    "uniform": UniformDequantization,
    "variational": VariationalDequantization,
})


def get_dequantizer(value, seed=None):
    """A dequantizer layer from its name (seeded with `seed`), a config or a layer."""
    if isinstance(value, str) and value in DEQUANTIZERS:
        return DEQUANTIZERS[value](seed=seed, name="dequantizer")
    return DEQUANTIZERS.resolve(value)


def serialize_dequantization(value, dequantizer):
    """What a model's config holds: the name it was given, else the layer's config."""
    return value if isinstance(value, str) else keras.saving.serialize_keras_object(dequantizer)


__all__ = ["ActNorm", "AffineCoupling", "GatedCausalBlock", "GatedPixelCNNBlock", "Invertible1x1Conv", "LogitTransform",
           "MaskedConv2D", "Sampling", "Squeeze", "UniformDequantization", "VariationalDequantization",
           "VectorQuantizer", "Bijector", "Dequantizer", "DEQUANTIZERS", "get_dequantizer",
           "serialize_dequantization"]
