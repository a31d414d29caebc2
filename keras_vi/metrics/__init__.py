"""Metrics and posterior-collapse diagnostics; `metrics.disentanglement` scores codes against known factors."""

from keras_vi.metrics.active_units import ActiveUnits
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
           "kl_per_dimension", "mutual_information", "warn_if_collapsed"]
