"""Default encoders and decoders, built from the shape of the data.

Vectors (d,) get an MLP; images (H, W) or (H, W, C) get a small conv net with
two stride-2 stages, so any H and W work (the decoder upsamples to the next
multiple of 4 and crops back).
"""

import math

import keras
from keras import layers


def _check_data_shape(data_shape):
    data_shape = tuple(data_shape)
    if len(data_shape) not in (1, 2, 3) or any(
        d is None or int(d) < 1 for d in data_shape
    ):
        raise ValueError(
            "The data must be vectors (batch, d), images (batch, H, W) or "
            f"(batch, H, W, C) with known sizes; got per-example shape {data_shape}."
        )
    return tuple(int(d) for d in data_shape)


def build_encoder(data_shape, latent_dim, hidden_units=(512, 256), filters=(32, 64)):
    """Returns a functional model x -> [mean, log_var] of q(z|x)."""
    data_shape = _check_data_shape(data_shape)
    inputs = keras.Input(data_shape, name="x")
    if len(data_shape) == 1:
        h = inputs
        for units in hidden_units:
            h = layers.Dense(units, activation="relu")(h)
    else:
        h = inputs if len(data_shape) == 3 else layers.Reshape((*data_shape, 1))(inputs)
        for f in filters:
            h = layers.Conv2D(f, 3, strides=2, padding="same", activation="relu")(h)
        h = layers.Flatten()(h)
        h = layers.Dense(hidden_units[-1], activation="relu")(h)
    mean = layers.Dense(latent_dim, name="mean")(h)
    log_var = layers.Dense(latent_dim, name="log_var")(h)
    return keras.Model(inputs, [mean, log_var], name="encoder")


def build_decoder(
    data_shape, latent_dim, likelihood, hidden_units=(512, 256), filters=(32, 64)
):
    """Returns a functional model z -> distribution parameters of p(x|z).

    Bernoulli: the logits, shaped like one example. Gaussian: a list
    [mean, log_var], each shaped like one example.
    """
    data_shape = _check_data_shape(data_shape)
    z = keras.Input((latent_dim,), name="z")
    num_outputs = 1 if likelihood == "bernoulli" else 2
    if len(data_shape) == 1:
        h = z
        for units in reversed(hidden_units):
            h = layers.Dense(units, activation="relu")(h)
        heads = [layers.Dense(data_shape[0])(h) for _ in range(num_outputs)]
    else:
        height, width = data_shape[:2]
        channels = data_shape[2] if len(data_shape) == 3 else 1
        scale = 2 ** len(filters)
        h0, w0 = math.ceil(height / scale), math.ceil(width / scale)
        h = layers.Dense(hidden_units[-1], activation="relu")(z)
        h = layers.Dense(h0 * w0 * filters[-1], activation="relu")(h)
        h = layers.Reshape((h0, w0, filters[-1]))(h)
        for f in reversed(filters):
            h = layers.Conv2DTranspose(
                f, 3, strides=2, padding="same", activation="relu"
            )(h)
        crop = ((0, h0 * scale - height), (0, w0 * scale - width))
        heads = []
        for _ in range(num_outputs):
            out = layers.Conv2D(channels, 3, padding="same")(h)
            if crop != ((0, 0), (0, 0)):
                out = layers.Cropping2D(crop)(out)
            if len(data_shape) == 2:
                out = layers.Reshape(data_shape)(out)
            heads.append(out)
    outputs = heads[0] if num_outputs == 1 else heads
    return keras.Model(z, outputs, name="decoder")


def _image_layout(data_shape):
    height, width = data_shape[:2]
    channels = data_shape[2] if len(data_shape) == 3 else 1
    return height, width, channels


def build_grid_encoder(data_shape, embedding_dim, filters=(32, 64)):
    """Images -> a (H / 4, W / 4, embedding_dim) grid of vectors (VQ-VAE)."""
    data_shape = _check_data_shape(data_shape)
    if len(data_shape) == 1:
        raise ValueError(f"VQ-VAE needs images (H, W) or (H, W, C), got {data_shape}.")
    inputs = keras.Input(data_shape, name="x")
    h = inputs if len(data_shape) == 3 else layers.Reshape((*data_shape, 1))(inputs)
    for f in filters:
        h = layers.Conv2D(f, 4, strides=2, padding="same", activation="relu")(h)
    h = layers.Conv2D(filters[-1], 3, padding="same", activation="relu")(h)
    z_e = layers.Conv2D(embedding_dim, 1, name="z_e")(h)
    return keras.Model(inputs, z_e, name="encoder")


def build_grid_decoder(data_shape, grid_shape, embedding_dim, filters=(32, 64)):
    """A (h, w, embedding_dim) grid -> logits (Bernoulli) or means (Gaussian), one image."""
    data_shape = _check_data_shape(data_shape)
    height, width, channels = _image_layout(data_shape)
    z = keras.Input((*grid_shape, embedding_dim), name="z_q")
    h = layers.Conv2D(filters[-1], 3, padding="same", activation="relu")(z)
    for f in reversed(filters):
        h = layers.Conv2DTranspose(f, 4, strides=2, padding="same", activation="relu")(h)
    out = layers.Conv2D(channels, 3, padding="same")(h)
    crop = ((0, out.shape[1] - height), (0, out.shape[2] - width))
    if crop != ((0, 0), (0, 0)):
        out = layers.Cropping2D(crop)(out)
    if len(data_shape) == 2:
        out = layers.Reshape(data_shape)(out)
    return keras.Model(z, out, name="decoder")
