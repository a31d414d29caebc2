"""Optimizers: `Adam`, Keras' Adam with a workaround for a Keras bug on TensorFlow (see its module)."""

from keras_vi.optimizers.adam import Adam, default_adam

__all__ = ["Adam", "default_adam"]
