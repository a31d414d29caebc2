"""Metrics, posterior-collapse diagnostics and audio measures; `metrics.disentanglement` scores codes against known factors."""

from keras_vi.metrics.active_units import ActiveUnits
from keras_vi.metrics.audio import log_spectral_distance, power_spectrogram, snr_db
from keras_vi.metrics.diagnostics import (
    COLLAPSE_THRESHOLD,
    PosteriorCollapseWarning,
    active_units,
    kl_per_dimension,
    mutual_information,
    warn_if_collapsed,
)
from keras_vi.metrics.term_means import TermMeans

__all__ = ["ActiveUnits", "COLLAPSE_THRESHOLD", "PosteriorCollapseWarning", "TermMeans", "active_units",
           "kl_per_dimension", "log_spectral_distance", "mutual_information", "power_spectrogram", "snr_db",
           "warn_if_collapsed"]
