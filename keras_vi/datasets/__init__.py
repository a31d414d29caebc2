"""Datasets: embedded digits, MNIST / Fashion-MNIST (local files or keras.datasets), TFDS names; dSprites and Moving MNIST drawn on demand; μ-law audio codes; STFT and Griffin-Lim."""

from keras_vi.datasets.batches import Batches
from keras_vi.datasets.dsprites import DSprites
from keras_vi.datasets.load import load
from keras_vi.datasets.moving_mnist import MovingMNIST
from keras_vi.datasets.spectral import griffin_lim, istft, stft
from keras_vi.datasets.spoken_digit import SpokenDigits, load_spoken_digit, mu_law_decode, mu_law_encode

__all__ = ["Batches", "DSprites", "MovingMNIST", "SpokenDigits", "griffin_lim", "istft", "load", "load_spoken_digit",
           "mu_law_decode", "mu_law_encode", "stft"]
