"""Training callbacks."""

from keras_vi.callbacks.kl_annealing import KLAnnealing

__all__ = ["KLAnnealing"]
