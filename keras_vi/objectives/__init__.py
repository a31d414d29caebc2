"""Closed-form KLs and the training objectives (ELBO, IWAE bound)."""

from keras_vi.objectives.elbo import ELBO
from keras_vi.objectives.iwae import IWAEBound
from keras_vi.objectives.kl import kl_normal_normal, kl_normal_standard_normal

__all__ = ["ELBO", "IWAEBound", "kl_normal_normal", "kl_normal_standard_normal"]
