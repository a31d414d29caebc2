"""Pictures of a model: sample grids, reconstructions and loss curves."""

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only; no display is needed or assumed
    import matplotlib.pyplot as plt

    return plt


def _as_images(images):
    from keras import ops

    images = np.asarray(ops.convert_to_numpy(images), dtype=np.float32)
    if images.ndim == 2:  # flat vectors: show them as square images if possible
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(
                f"`images` of shape {images.shape} are vectors that are not square images."
            )
        images = images.reshape(-1, side, side)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"`images` must be (n, H, W) or (n, H, W, C), got {images.shape}.")
    return np.clip(images, 0.0, 1.0)


def image_grid(images, num_cols=8, pad=1, pad_value=0.5):
    """Tiles (n, H, W[, C]) images in [0, 1] into one array, `pad` pixels apart.

    Returns an array of shape (rows * (H + pad) - pad, cols * (W + pad) - pad[, C]).
    """
    images = _as_images(images)
    n, h, w = images.shape[:3]
    num_cols = min(num_cols, n)
    num_rows = -(-n // num_cols)
    channels = images.shape[3:]
    grid = np.full(
        (num_rows * (h + pad) - pad, num_cols * (w + pad) - pad, *channels),
        pad_value,
        dtype=np.float32,
    )
    for i, image in enumerate(images):
        r, c = divmod(i, num_cols)
        grid[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return grid


def _save(array, path, title):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 6 * array.shape[0] / array.shape[1] + 0.4))
    ax.imshow(array, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    fig.savefig(path, bbox_inches="tight", dpi=100)
    plt.close(fig)


def _in_unit_interval(model, images):
    """Images of `model`'s data scaled to [0, 1] (8-bit likelihoods hold 0..255)."""
    from keras import ops

    scale = getattr(model, "pixel_scale", None) or model.likelihood.pixel_scale
    return np.asarray(ops.convert_to_numpy(images), np.float32) / scale


def plot_samples(model, path, n=64, seed=0, num_samples=None):
    """Writes a grid of `model.sample(n, seed)` to `path`.

    `num_samples` is the former name of `n` (deprecated: in keras_vi
    `num_samples` counts draws of z per example).
    """
    if num_samples is not None:
        import warnings

        warnings.warn("`num_samples` of plot_samples is now `n`.", DeprecationWarning, stacklevel=2)
        n = num_samples
    title = "Samples from p(x|z), z ~ p(z)" if hasattr(model, "latent_dim") else f"Samples of {model.name}"
    spatial_dims = getattr(model, "num_spatial_dims", 2)
    if spatial_dims != 2:  # sequences: spectrograms; video: a row of frames per video
        samples = to_display(model, model.sample(min(n, 8), seed=seed))
        if spatial_dims == 1:
            from keras_vi.plotting.media import plot_spectrograms

            return plot_spectrograms([samples], path, titles=["samples"])
        from keras_vi.plotting.media import plot_frames

        return plot_frames(samples, path, title)
    _save(sample_grid(model, n, seed), path, title)


def to_display(model, x):
    """`model`'s data or outputs as pictures show them: images in [0, 1], μ-law codes as waveforms."""
    if getattr(model, "num_spatial_dims", 2) == 1 and hasattr(model.likelihood, "num_classes"):
        from keras_vi.datasets import mu_law_decode

        return mu_law_decode(x, model.likelihood.num_classes)  # NumPy or any backend's tensor
    return _in_unit_interval(model, x)


def sample_grid(model, n=64, seed=0):
    """The grid of `model.sample(n, seed)` in [0, 1], as `plot_samples` draws it."""
    return image_grid(_in_unit_interval(model, model.sample(n, seed=seed)))


def plot_reconstructions(model, x, path, num_examples=16):
    """Writes data (odd rows) above their reconstructions (even rows)."""
    spatial_dims = getattr(model, "num_spatial_dims", 2)
    if spatial_dims != 2:
        x = np.asarray(x[: min(num_examples, 8)])
        rows = [to_display(model, x), to_display(model, model.reconstruct(x))]
        if spatial_dims == 1:
            from keras_vi.plotting.media import plot_spectrograms

            return plot_spectrograms(rows, path, titles=["data", "reconstructions"])
        from keras_vi.plotting.media import plot_frames

        return plot_frames(np.concatenate(rows), path, "Data (top rows) and reconstructions (bottom rows)")
    _save(reconstruction_grid(model, x, num_examples), path,
          "Data (odd rows) and reconstructions (even rows)")


def reconstruction_grid(model, x, num_examples=16):
    """Data (odd rows) above their reconstructions (even rows), in [0, 1], as one array."""
    x = np.asarray(x[:num_examples], dtype=np.float32)
    rec = _as_images(_in_unit_interval(model, model.reconstruct(x)))
    if getattr(model, "dequantizer", None) is not None:  # 8-bit data, a model of v = (x + u) / 256
        x = _as_images(x / model.dequantizer.num_bins)
    else:
        x = _as_images(_in_unit_interval(model, x))
    cols = 8
    rows = []
    for i in range(0, len(x), cols):
        rows.append(image_grid(x[i : i + cols], cols))
        rows.append(image_grid(rec[i : i + cols], cols))
    width = max(r.shape[1] for r in rows)
    rows = [
        np.pad(r, ((0, 1), (0, width - r.shape[1])) + ((0, 0),) * (r.ndim - 2),
               constant_values=0.5)
        for r in rows
    ]
    return np.concatenate(rows)


def plot_history(history, path):
    """Writes the curves of a `fit` history (dict or `History`) to `path`."""
    history = getattr(history, "history", history)
    plt = _pyplot()
    keys = [k for k in history if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 3), squeeze=False)
    for ax, key in zip(axes[0], keys):
        epochs = np.arange(1, len(history[key]) + 1)
        ax.plot(epochs, history[key], label="train")
        if "val_" + key in history:
            ax.plot(epochs, history["val_" + key], label="validation")
            ax.legend()
        ax.set_title(key)
        ax.set_xlabel("epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def latent_traversals(model, x, path, dims=None, num_steps=9, limit=2.5):
    """Writes one row per latent dimension: the decoded posterior mean of `x[0]`
    with that dimension swept over [-limit, limit] (the others held).

    With a factorized prior, rows are labelled with the dimension and its KL
    averaged over `x` (nats), so collapsed dimensions (KL ~ 0, rows that do
    not change) stand out.

    Args:
        model: a built latent variable model (`encode`, `decode`, `latent_dim`).
        x: a batch of data; `x[0]` is the example traversed, and the whole
            batch estimates each dimension's KL.
        path: the PNG to write.
        dims: the dimensions to show (default: all), in that order.
        num_steps: values per row (>= 2).
        limit: the sweep's half-width, in prior standard deviations.

    Returns:
        The (len(dims), num_steps, *data_shape) decoded images, as NumPy.
    """
    from keras_vi.metrics.diagnostics import kl_per_dimension
    from keras_vi.utils import check_positive_int, to_numpy

    num_steps = check_positive_int(num_steps, "num_steps")
    if num_steps < 2:
        raise ValueError(f"`num_steps` must be >= 2, got {num_steps}.")
    if not limit > 0:
        raise ValueError(f"`limit` must be > 0, got {limit!r}.")
    latent_dim = model.latent_dim
    dims = list(range(latent_dim)) if dims is None else [int(d) for d in dims]
    if not dims or any(not 0 <= d < latent_dim for d in dims):
        raise ValueError(f"`dims` must be latent dimensions in [0, {latent_dim}), got {dims}.")
    x = np.asarray(x, dtype=np.float32)
    mean = np.asarray(to_numpy(model.encode(x[:1])[0]))[0]
    values = np.linspace(-limit, limit, num_steps, dtype=np.float32)
    codes = np.repeat(mean[None], len(dims) * num_steps, axis=0).reshape(len(dims), num_steps, -1)
    for row, d in enumerate(dims):
        codes[row, :, d] = values
    decoded = np.asarray(to_numpy(model.decode(codes.reshape(-1, latent_dim))))
    decoded = decoded.reshape(len(dims), num_steps, *decoded.shape[1:])
    kl = np.asarray(kl_per_dimension(model, x)) if model.prior.factorized else None
    plt = _pyplot()
    images = _as_images(_in_unit_interval(model, decoded.reshape(-1, *decoded.shape[2:])))
    fig, axes = plt.subplots(len(dims), 1, figsize=(num_steps * 0.8, len(dims) * 0.9), squeeze=False)
    for row, d in enumerate(dims):
        ax = axes[row, 0]
        ax.imshow(image_grid(images[row * num_steps : (row + 1) * num_steps], num_steps),
                  cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        label = f"z{d}" if kl is None else f"z{d}\nKL {kl[d]:.2f}"
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(f"Latent traversals, z_d in [{-limit:g}, {limit:g}]", fontsize=9)
    fig.savefig(path, bbox_inches="tight", dpi=100)
    plt.close(fig)
    return decoded
