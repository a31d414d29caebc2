"""Datasets: embedded digits, local MNIST / Fashion-MNIST files, TFDS names."""

from keras_vi.datasets.load import load

__all__ = ["load"]
