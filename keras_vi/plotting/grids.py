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
    samples = _in_unit_interval(model, model.sample(n, seed=seed))
    title = "Samples from p(x|z), z ~ p(z)" if hasattr(model, "latent_dim") else f"Samples of {model.name}"
    _save(image_grid(samples), path, title)


def plot_reconstructions(model, x, path, num_examples=16):
    """Writes data (odd rows) above their reconstructions (even rows)."""
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
    _save(np.concatenate(rows), path, "Data (odd rows) and reconstructions (even rows)")


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
