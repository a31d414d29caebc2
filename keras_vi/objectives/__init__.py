"""Closed-form KLs and the training objectives over one `Bundle` (ELBO, IWAE bound, β-TCVAE)."""

from keras_vi.objectives.base import Bundle, Objective, check_objective
from keras_vi.objectives.elbo import ELBO, free_bits_kl
from keras_vi.objectives.iwae import IWAEBound, iwae_bound
from keras_vi.objectives.kl import kl_normal_normal, kl_normal_standard_normal
from keras_vi.objectives.total_correlation import TotalCorrelationELBO, total_correlation

__all__ = ["Bundle", "Objective", "check_objective", "ELBO", "IWAEBound", "free_bits_kl", "iwae_bound",
           "kl_normal_normal", "kl_normal_standard_normal",
           "TotalCorrelationELBO", "total_correlation"]
