"""Metrics and posterior-collapse diagnostics; `metrics.disentanglement` scores codes against known factors."""

from keras_vi.metrics.active_units import ActiveUnits
from keras_vi.metrics.diagnostics import active_units, kl_per_dimension, mutual_information

__all__ = ["ActiveUnits", "active_units", "kl_per_dimension", "mutual_information"]
