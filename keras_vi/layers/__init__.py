"""Custom Keras layers of keras_vi."""

from keras_vi.layers.sampling import Sampling

__all__ = ["Sampling"]
