"""Plots of models and training runs (matplotlib, written to files): grids, reconstructions, latent traversals, curves."""

from keras_vi.plotting.grids import (
    image_grid,
    latent_traversals,
    plot_history,
    plot_reconstructions,
    plot_samples,
    reconstruction_grid,
    sample_grid,
)

__all__ = ["image_grid", "latent_traversals", "plot_history", "plot_reconstructions", "plot_samples",
           "reconstruction_grid", "sample_grid"]
