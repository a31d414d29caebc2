"""Training callbacks."""

from keras_vi.callbacks.audio_logger import AudioLogger
from keras_vi.callbacks.image_logger import ImageLogger
from keras_vi.callbacks.kl_annealing import KLAnnealing

__all__ = ["AudioLogger", "ImageLogger", "KLAnnealing"]
