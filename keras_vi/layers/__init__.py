"""Custom Keras layers of keras_vi."""

from keras_vi.layers.gated_pixelcnn_block import GatedPixelCNNBlock
from keras_vi.layers.masked_conv2d import MaskedConv2D
from keras_vi.layers.sampling import Sampling
from keras_vi.layers.vector_quantizer import VectorQuantizer

__all__ = ["GatedPixelCNNBlock", "MaskedConv2D", "Sampling", "VectorQuantizer"]
