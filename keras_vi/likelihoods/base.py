"""The protocol of a likelihood p(x|z): what a decoder must output, and what data fits."""

from keras_vi.utils import Part, check_data


class Likelihood(Part):
    """Base of the decoder likelihoods p(x|z).

    A likelihood names the decoder outputs it needs (`param_names`, the keys
    of the model's `call` dict), gives their per-example shapes, builds a
    distribution (`log_prob`, `mean`, `sample`) from them, and checks that
    data suits it. Subclasses set `param_names` and implement `distribution`;
    `check_data` adds their range checks.

    Attributes:
        param_names: names of the decoder's outputs, in order.
        pixel_scale: the data's top value (1 for [0, 1] data, 255 for 8-bit),
            which pictures divide by.
        input_rescaling: None, or (scale, offset) that the default encoders
            apply to the data first (`keras.layers.Rescaling`).
        continuous: True for a density on real data (which dequantized 8-bit
            data may use), False for a probability mass.
    """

    param_names = ()
    continuous = False
    pixel_scale = 1.0
    input_rescaling = None

    @property
    def num_params(self):
        return len(self.param_names)

    @property
    def layers(self):
        """Keras layers the likelihood owns (a dequantizer), which the model tracks and builds."""
        return []

    def param_shapes(self, data_shape):
        """Per-example shape of each decoder output: one per `param_names`."""
        return [tuple(data_shape)] * self.num_params

    def distribution(self, params, event_ndims):
        """p(x|z) from a dict of decoder outputs keyed by `param_names`."""
        raise NotImplementedError

    def log_prob(self, params, x, event_ndims, seed=None):
        """log p(x|z) per draw of z: params (k, batch, ...) and data x (batch, ...) -> (k, batch).

        `seed`: for a likelihood that draws (`Dequantized`); None for its own generator.
        """
        del seed  # nothing is drawn
        return self.distribution(params, event_ndims).log_prob(x)

    def check_data(self, x, name, expected_shape=None):
        """Eager checks of a NumPy batch (shape, NaN); returns it as NumPy."""
        return check_data(x, name, expected_shape=expected_shape)
