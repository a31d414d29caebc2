"""The VAE with an autoregressive (PixelCNN) decoder."""

from keras import ops

from keras_vi import likelihoods
from keras_vi.api_export import keras_vi_export
from keras_vi.utils import check_data, check_positive_int, check_seed, to_numpy
from keras_vi.zoo.pixel_cnn import PixelCNN
from keras_vi.zoo.vae import VAE


class TeacherForced:
    """p(x|z) = prod_i p(x_i | x_<i, z), evaluated in one pass (teacher forcing).

    The decoder's logits at pixel i see only the pixels before i (masked
    convolutions) and z, so one pass over the observed image gives every
    factor, and `log_prob(x)` is exact.

    Args:
        network: a conditional `PixelCNN` (inputs {"x": grid, "condition": z}).
        likelihood: the per-pixel `likelihoods.Categorical`.
        z: (..., latent_dim) latent codes; x broadcasts against their leading axes.
    """

    def __init__(self, network, likelihood, z):
        self.network, self.likelihood, self.z = network, likelihood, z

    def log_prob(self, x):
        lead = ops.shape(self.z)[:-1]
        grid_shape = self.network.grid_shape
        x = ops.reshape(ops.broadcast_to(x, (*lead, *grid_shape)), (-1, *grid_shape))
        z = ops.reshape(self.z, (-1, ops.shape(self.z)[-1]))
        logits = ops.cast(self.network({"x": x, "condition": z}), "float32")
        log_p = self.likelihood.distribution({"logits": logits}, event_ndims=2).log_prob(x)
        return ops.reshape(log_p, lead)


@keras_vi_export("keras_vi.zoo.ARVAE")
class ARVAE(VAE):
    """A VAE whose decoder is a conditional PixelCNN: p(x|z) = prod_i p(x_i | x_<i, z).

    q(z|x) is the VAE's Gaussian encoder; the decoder is a two-stack gated
    PixelCNN (`zoo.PixelCNN` with `condition_dim=latent_dim`: z is projected
    into every gated block) with a categorical output per pixel (2 values:
    Bernoulli pixels; 256: 8-bit pixels). Teacher forcing makes log p(x|z)
    exact in one pass, so the ELBO, `log_weights` and
    `estimators.log_likelihood` work as for `VAE`; `sample` and `decode`
    draw pixel by pixel, one compiled predict step per position.

    Such a decoder can model x without z, and training then drives the KL to
    zero: posterior collapse (Bowman et al., 2016; Chen et al., 2017). The
    VAE's remedies apply unchanged: `free_bits`, KL annealing
    (`callbacks.KLAnnealing`), `aggressive=True` (He et al., 2019); and one by
    architecture (VLAE, Chen et al., 2017): a decoder whose receptive field is
    small (`decoder_layers=1`, `first_kernel_size=3`) cannot model
    global structure, which must then go through z. `receptive_field` says
    how far a pixel sees.

    Args:
        latent_dim: size of z (>= 1).
        num_classes: values of a pixel: 2 for binarized images (data 0/1),
            256 for 8-bit images (data 0..255).
        decoder_layers: gated blocks of the PixelCNN decoder (>= 1).
        decoder_filters: channels of each of its stacks.
        kernel_size: of its gated blocks' masked convolutions.
        first_kernel_size: of its first (mask A) convolutions.
        beta, free_bits, num_samples: as for `VAE`.
        **kwargs: `encoder`, `prior`, `seed`, `hidden_units`, `aggressive`,
            `max_inner_steps`: see `LatentVariableModel`.

    Call arguments:
        x: (batch, H, W) images (one channel).

    Examples:
        >>> import numpy as np
        >>> from keras_vi.zoo import ARVAE
        >>> x = (np.random.default_rng(0).uniform(size=(32, 6, 6)) > 0.5).astype("float32")
        >>> model = ARVAE(latent_dim=2, decoder_layers=1, decoder_filters=8, seed=0)
        >>> history = model.fit(x, epochs=1, batch_size=16, verbose=0)
        >>> model.sample(2, seed=0).shape
        (2, 6, 6)

    Reference:
        Gulrajani et al., PixelVAE, ICLR 2017; Chen et al., Variational Lossy
        Autoencoder, ICLR 2017; van den Oord et al., Conditional Image
        Generation with PixelCNN Decoders, NeurIPS 2016.
    """

    embedding_tables = True  # the PixelCNN decoder's pixel embedding

    def __init__(self, latent_dim, num_classes=2, decoder_layers=3, decoder_filters=32, kernel_size=3,
                 first_kernel_size=7, **kwargs):
        for taken in ("decoder", "likelihood", "dequantization"):
            if taken in kwargs:
                raise ValueError(f"ARVAE builds its own PixelCNN decoder: `{taken}` is not an argument.")
        self.num_classes = check_positive_int(num_classes, "num_classes")
        default_encoder = kwargs.get("encoder") is None
        super().__init__(latent_dim, likelihood=likelihoods.Categorical(num_classes), **kwargs)
        self.decoder_layers = check_positive_int(decoder_layers, "decoder_layers")
        self.decoder_filters = check_positive_int(decoder_filters, "decoder_filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.first_kernel_size = check_positive_int(first_kernel_size, "first_kernel_size")
        self.decoder = PixelCNN(
            num_classes, num_layers=decoder_layers, filters=decoder_filters, kernel_size=kernel_size,
            first_kernel_size=first_kernel_size, condition_dim=self.latent_dim, name="decoder",
        )
        # a default encoder is rebuilt from the data on load, after the decoder,
        # as here: the optimizer's saved slots follow that order
        self._default_encoder = default_encoder

    @property
    def receptive_field(self):
        """Rows above (and columns either side, and pixels to the left) a pixel sees."""
        return self.first_kernel_size // 2 + self.decoder_layers * (self.kernel_size // 2)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"ARVAE models one-channel images (batch, H, W), got shape {tuple(input_shape)}."
            )
        if not self.decoder.built:
            self.decoder.build({"x": tuple(input_shape), "condition": (None, self.latent_dim)})
        super().build(input_shape)

    def log_px_z(self, z, x, training=False, seed=None):
        """log p(x|z) = sum_i log p(x_i | x_<i, z), exact in one pass (teacher forcing): (k, batch)."""
        del training, seed  # the PixelCNN has no dropout or normalization, and draws nothing here
        return TeacherForced(self.decoder, self.likelihood, self.check_z(z)).log_prob(x)

    def decode(self, z, seed=None):
        """A draw x ~ p(x|z), pixel by pixel: (n, H, W) as floats 0..num_classes - 1.

        `seed`: an int for a reproducible draw, or None for the model's own
        seed generator.

        The mean of an autoregressive p(x|z) has no closed form; pictures of
        reconstructions and traversals show draws.
        """
        z = check_data(to_numpy(z), "z", expected_shape=(self.latent_dim,))
        seed = self.seed_generator if seed is None else check_seed(seed)
        grid = self.decoder.generate(len(z), seed, condition=z)
        return grid.astype("float32")

    def generate(self, n, seed):
        """z ~ p(z), then x ~ p(x|z) pixel by pixel: (n, H, W)."""
        return self.decode(ops.convert_to_numpy(self.prior.sample(n, seed=seed)), seed=seed)

    def export(self, filepath, format="tf_saved_model", verbose=True, **kwargs):
        """Not supported: sampling is a loop of predict steps, not one traced function."""
        raise ValueError(
            "ARVAE does not export a SavedModel (its decoder samples pixel by pixel in a Python "
            "loop); save a `.keras` file with `model.save(path)` instead."
        )

    def get_config(self):
        config = super().get_config()
        for key in ("decoder", "likelihood", "dequantization"):
            del config[key]
        if self._default_encoder:
            config["encoder"] = None
        return {**config, "num_classes": self.num_classes, "decoder_layers": self.decoder_layers,
                "decoder_filters": self.decoder_filters, "kernel_size": self.kernel_size,
                "first_kernel_size": self.first_kernel_size}
