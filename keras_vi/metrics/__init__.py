"""Metrics and posterior-collapse diagnostics; `metrics.disentanglement` scores codes against known factors."""

from keras_vi.metrics.active_units import ActiveUnits
from keras_vi.metrics.diagnostics import active_units, kl_per_dimension, mutual_information
from keras_vi.metrics.term_means import TermMeans

__all__ = ["ActiveUnits", "TermMeans", "active_units", "kl_per_dimension", "mutual_information"]
