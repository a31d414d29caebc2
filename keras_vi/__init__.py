"""keras_vi: variational inference for Keras 3 on TensorFlow, JAX and PyTorch."""

from keras_vi import distributions, layers, objectives, zoo

__version__ = "0.1.0"

__all__ = ["distributions", "layers", "objectives", "zoo", "__version__"]
