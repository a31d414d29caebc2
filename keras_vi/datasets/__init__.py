"""Datasets: embedded digits, MNIST / Fashion-MNIST (local files or keras.datasets), TFDS names; dSprites rendered on demand."""

from keras_vi.datasets.batches import Batches
from keras_vi.datasets.dsprites import DSprites
from keras_vi.datasets.load import load
from keras_vi.datasets.spoken_digit import SpokenDigits, load_spoken_digit

__all__ = ["Batches", "DSprites", "SpokenDigits", "load", "load_spoken_digit"]
