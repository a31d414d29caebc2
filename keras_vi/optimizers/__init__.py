"""Optimizers: Keras' own, made faster where a backend allows it."""

from keras_vi.optimizers.adam import Adam

__all__ = ["Adam"]
