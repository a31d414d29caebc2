"""Default encoders and decoders, built from the shape of the data, from `keras.layers` only.

Every default network is a functional `keras.Model` of Keras' own layers, so
`encoder.summary()` shows what runs. Vectors (d,) get an MLP of `Dense`
layers; images (H, W) or (H, W, C) get a small conv net with two stride-2
stages (`Conv2D`, and `Conv2DTranspose` back), so any H and W work (the decoder
upsamples to the next multiple of 4 and crops back). Decoders end in one head
per parameter of the likelihood (`Likelihood.param_shapes`), so a new
likelihood needs no new network: a `Dense` head for vectors, a 3x3 `Conv2D`
head for images.
"""

import math

import keras
from keras import layers



def check_data_shape(data_shape):
    """The per-example shape as ints, if it is a vector or an image; else a ValueError."""
    data_shape = tuple(data_shape)
    if len(data_shape) not in (1, 2, 3) or any(
        d is None or int(d) < 1 for d in data_shape
    ):
        raise ValueError(
            "The data must be vectors (batch, d), images (batch, H, W) or "
            f"(batch, H, W, C) with known sizes; got per-example shape {data_shape}."
        )
    return tuple(int(d) for d in data_shape)


def check_hidden_units(hidden_units, name="hidden_units"):
    """`hidden_units` as a tuple of positive ints, or a ValueError naming it."""
    units = list(hidden_units) if isinstance(hidden_units, (list, tuple)) else None
    if not units or any(isinstance(u, bool) or not isinstance(u, int) or u < 1 for u in units):
        raise ValueError(
            f"`{name}` must be a non-empty list of positive ints, got {hidden_units!r}."
        )
    return tuple(units)  # a tuple: Keras would track a list


def check_networks(**networks):
    """A ValueError naming the first of `networks` (name=value) that is neither None nor a Keras layer."""
    for name, net in networks.items():
        if net is not None and not isinstance(net, keras.layers.Layer):
            raise ValueError(f"`{name}` must be a Keras model or layer, got {type(net).__name__}.")


def _image_layout(data_shape):
    height, width = data_shape[:2]
    channels = data_shape[2] if len(data_shape) == 3 else 1
    return height, width, channels


def _data_input(data_shape, input_rescaling, spatial_dims=2):
    """The network's input, rescaled, with a channel axis when the data have none."""
    inputs = keras.Input(data_shape, name="x")
    h = inputs
    if input_rescaling is not None:
        h = layers.Rescaling(*input_rescaling)(h)
    if len(data_shape) == spatial_dims:
        h = layers.Reshape((*data_shape, 1))(h)
    return inputs, h


def _heads(h, data_shape, param_shapes, kernel_size=3, spatial_dims=None):
    """One output per parameter shape, from features `h`: Dense for vectors, else a same-size
    convolution over the `spatial_dims` axes (2 for images; read from the data when None),
    cropped to the data's size."""
    if spatial_dims is None:
        spatial_dims = 0 if len(data_shape) == 1 else 2
    heads = []
    for shape in param_shapes:
        size = math.prod(shape)
        if spatial_dims == 0:
            out = layers.Dense(size)(h)
        else:
            conv, _, cropping = CONVOLUTIONS[spatial_dims]
            spatial = data_shape[:spatial_dims]
            out = conv(size // math.prod(spatial), kernel_size, padding="same")(h)
            crop = tuple((0, have - want) for have, want in zip(out.shape[1:-1], spatial))
            if any(c for _, c in crop):
                out = cropping(crop[0] if spatial_dims == 1 else crop)(out)
        if tuple(out.shape[1:]) != tuple(shape):
            out = layers.Reshape(shape)(out)
        heads.append(out)
    return heads[0] if len(heads) == 1 else heads


def build_encoder(data_shape, latent_dim, hidden_units=(512, 256), filters=(32, 64),
                  input_rescaling=None):
    """Returns a functional model x -> [mean, log_var] of q(z|x): an MLP for vectors, else a conv net.

    `input_rescaling`: None, or (scale, offset) applied to x first (8-bit data).
    """
    data_shape = check_data_shape(data_shape)
    inputs, h = _data_input(data_shape, input_rescaling)
    if len(data_shape) == 1:
        for units in hidden_units:
            h = layers.Dense(units, activation="relu")(h)
    else:
        for f in filters:
            h = layers.Conv2D(f, 3, strides=2, padding="same", activation="relu")(h)
        h = layers.Flatten()(h)
        h = layers.Dense(hidden_units[-1], activation="relu")(h)
    mean = layers.Dense(latent_dim, name="mean")(h)
    log_var = layers.Dense(latent_dim, name="log_var")(h)
    return keras.Model(inputs, [mean, log_var], name="encoder")


def build_decoder(data_shape, latent_dim, param_shapes, hidden_units=(512, 256), filters=(32, 64)):
    """Returns a functional model z -> the likelihood's parameters of p(x|z): an MLP for vectors, else a conv net.

    One output per entry of `param_shapes` (a list of per-example shapes, as
    `Likelihood.param_shapes` gives): a tensor for one, a list for several.
    """
    data_shape = check_data_shape(data_shape)
    z = keras.Input((latent_dim,), name="z")
    if len(data_shape) == 1:
        h = z
        for units in reversed(hidden_units):
            h = layers.Dense(units, activation="relu")(h)
        return keras.Model(z, _heads(h, data_shape, param_shapes), name="decoder")
    height, width, _ = _image_layout(data_shape)
    scale = 2 ** len(filters)
    h0, w0 = math.ceil(height / scale), math.ceil(width / scale)
    h = layers.Dense(hidden_units[-1], activation="relu")(z)
    h = layers.Dense(h0 * w0 * filters[-1], activation="relu")(h)
    h = layers.Reshape((h0, w0, filters[-1]))(h)
    for f in reversed(filters):
        h = layers.Conv2DTranspose(f, 3, strides=2, padding="same", activation="relu")(h)
    return keras.Model(z, _heads(h, data_shape, param_shapes), name="decoder")


CONVOLUTIONS = {1: (layers.Conv1D, layers.Conv1DTranspose, layers.Cropping1D),
                2: (layers.Conv2D, layers.Conv2DTranspose, layers.Cropping2D),
                3: (layers.Conv3D, layers.Conv3DTranspose, layers.Cropping3D)}


def check_grid_data_shape(data_shape, spatial_dims=None):
    """(data_shape as ints, spatial_dims) for a VQ-VAE's data, or a ValueError naming the argument.

    `spatial_dims` 1: sequences (T, C); 2: images (H, W) or (H, W, C); 3: video (T, H, W) or
    (T, H, W, C). None reads it from the rank: (H, W) and (H, W, C) are images, (T, H, W, C) video;
    a sequence must say `spatial_dims=1`.
    """
    data_shape = tuple(data_shape)
    if any(d is None or int(d) < 1 for d in data_shape):
        raise ValueError(f"The data's per-example shape must have known sizes, got {data_shape}.")
    data_shape = tuple(int(d) for d in data_shape)
    if spatial_dims is None:
        if len(data_shape) not in (2, 3, 4):
            raise ValueError(
                "The data must be images (batch, H, W[, C]) or video (batch, T, H, W, C); got per-example "
                f"shape {data_shape}. Sequences (batch, T, C) need `spatial_dims=1`.")
        if len(data_shape) == 2 and data_shape[1] == 1:
            raise ValueError(f"Per-example shape {data_shape} reads as a one-pixel-wide image: for sequences "
                             "(T, C) pass `spatial_dims=1`; for images, (H, W) with W > 1.")
        spatial_dims = 3 if len(data_shape) == 4 else 2
    elif len(data_shape) not in ((2,) if spatial_dims == 1 else (spatial_dims, spatial_dims + 1)):
        form = {1: "(T, C)", 2: "(H, W) or (H, W, C)", 3: "(T, H, W) or (T, H, W, C)"}[spatial_dims]
        raise ValueError(f"With `spatial_dims={spatial_dims}` the per-example shape must be {form}, "
                         f"got {data_shape}.")
    return data_shape, spatial_dims


def build_grid_encoder(data_shape, embedding_dim, filters=(32, 64), input_rescaling=None, spatial_dims=None):
    """Data -> a grid of vectors (VQ-VAE), 2 ** len(filters) times smaller along each spatial axis.

    Sequences, images and video alike (`check_grid_data_shape`): Keras' Conv1D, Conv2D or Conv3D.
    """
    data_shape, spatial_dims = check_grid_data_shape(data_shape, spatial_dims)
    conv = CONVOLUTIONS[spatial_dims][0]
    inputs, h = _data_input(data_shape, input_rescaling, spatial_dims)
    for f in filters:
        h = conv(f, 4, strides=2, padding="same", activation="relu")(h)
    h = conv(filters[-1], 3, padding="same", activation="relu")(h)
    z_e = conv(embedding_dim, 1, name="z_e")(h)
    return keras.Model(inputs, z_e, name="encoder")


def build_grid_decoder(data_shape, grid_shape, embedding_dim, param_shapes, filters=(32, 64),
                       spatial_dims=None):
    """A grid of code vectors -> the likelihood's parameters for one example (sequence, image or video)."""
    data_shape, spatial_dims = check_grid_data_shape(data_shape, spatial_dims)
    conv, transpose, _ = CONVOLUTIONS[spatial_dims]
    z = keras.Input((*grid_shape, embedding_dim), name="z_q")
    h = conv(filters[-1], 3, padding="same", activation="relu")(z)
    for f in reversed(filters):
        h = transpose(f, 4, strides=2, padding="same", activation="relu")(h)
    return keras.Model(z, _heads(h, data_shape, param_shapes, spatial_dims=spatial_dims), name="decoder")


def build_disentanglement_encoder(data_shape, latent_dim, input_rescaling=None):
    """The conv encoder of disentanglement_lib's study, for 64x64 images.

    Conv 32-32 (4x4) and 64-64 (2x2), each stride 2 with ReLU, dense 256,
    then the mean and log-variance heads (Locatello et al., 2019, Table 1).
    """
    data_shape = check_data_shape(data_shape)
    if len(data_shape) == 1 or data_shape[:2] != (64, 64):
        raise ValueError(f"This encoder takes 64x64 images (64, 64[, C]), got {data_shape}.")
    inputs, h = _data_input(data_shape, input_rescaling)
    for f, k in ((32, 4), (32, 4), (64, 2), (64, 2)):
        h = layers.Conv2D(f, k, strides=2, padding="same", activation="relu")(h)
    h = layers.Dense(256, activation="relu")(layers.Flatten()(h))
    mean = layers.Dense(latent_dim, name="mean")(h)
    log_var = layers.Dense(latent_dim, name="log_var")(h)
    return keras.Model(inputs, [mean, log_var], name="encoder")


def build_disentanglement_decoder(data_shape, latent_dim, param_shapes):
    """The deconv decoder of disentanglement_lib's study, for 64x64 images.

    Dense 256 and 1024 (ReLU), reshaped to 4x4x64, transposed convs 64-32-32
    (4x4, stride 2, ReLU) and a last stride-2 one per likelihood parameter.
    """
    data_shape = check_data_shape(data_shape)
    if len(data_shape) == 1 or data_shape[:2] != (64, 64):
        raise ValueError(f"This decoder gives 64x64 images (64, 64[, C]), got {data_shape}.")
    z = keras.Input((latent_dim,), name="z")
    h = layers.Dense(256, activation="relu")(z)
    h = layers.Dense(1024, activation="relu")(h)
    h = layers.Reshape((4, 4, 64))(h)
    for f in (64, 32, 32):
        h = layers.Conv2DTranspose(f, 4, strides=2, padding="same", activation="relu")(h)
    heads = []
    for shape in param_shapes:
        channels = math.prod(shape) // (64 * 64)
        out = layers.Conv2DTranspose(channels, 4, strides=2, padding="same")(h)
        heads.append(out if tuple(out.shape[1:]) == tuple(shape) else layers.Reshape(shape)(out))
    return keras.Model(z, heads[0] if len(heads) == 1 else heads, name="decoder")
