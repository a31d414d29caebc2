"""Plots of models and training runs (matplotlib, written to files)."""

from keras_vi.plotting.grids import (
    image_grid,
    plot_history,
    plot_reconstructions,
    plot_samples,
)

__all__ = ["image_grid", "plot_history", "plot_reconstructions", "plot_samples"]
