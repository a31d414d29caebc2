"""Training callbacks."""

from keras_vi.callbacks.image_logger import ImageLogger
from keras_vi.callbacks.kl_annealing import KLAnnealing

__all__ = ["ImageLogger", "KLAnnealing"]
