"""Datasets: embedded digits, MNIST / Fashion-MNIST (local files or keras.datasets), TFDS names; dSprites rendered on demand."""

from keras_vi.datasets.batches import Batches
from keras_vi.datasets.dsprites import DSprites
from keras_vi.datasets.load import load

__all__ = ["Batches", "DSprites", "load"]
