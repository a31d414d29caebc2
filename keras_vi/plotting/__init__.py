"""Plots of models and training runs (matplotlib, written to files): grids, reconstructions, latent traversals, curves; spectrograms, WAV files, frame strips and GIFs."""

from keras_vi.plotting.grids import (
    image_grid,
    latent_traversals,
    plot_history,
    plot_reconstructions,
    plot_samples,
    reconstruction_grid,
    sample_grid,
)
from keras_vi.plotting.media import frame_strips, plot_frames, plot_spectrograms, save_gif, write_wav

__all__ = ["frame_strips", "plot_frames", "plot_spectrograms", "save_gif", "write_wav", "image_grid", "latent_traversals", "plot_history", "plot_reconstructions", "plot_samples",
           "reconstruction_grid", "sample_grid"]
