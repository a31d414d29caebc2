"""RealNVP / Glow: a multi-scale normalizing flow on 8-bit images, with dequantization."""

import math

import keras
from keras import ops

from keras_vi import _random, layers
from keras_vi.api_export import keras_vi_export
from keras_vi.utils import LOG_2PI, check_choice, check_positive_int, full_precision
from keras_vi.zoo.base import ZooModel


@keras_vi_export("keras_vi.zoo.RealNVP")
class RealNVP(ZooModel):
    """A multi-scale flow p(v) on dequantized 8-bit images, bounding log P(x).

    Integer images x are dequantized, v = (x + u) / 256 with u ~ q(u|x)
    (`dequantization`), mapped to the real line by a logit, and through
    `num_scales` scales of `num_steps` flow steps each: the first scale
    alternates checkerboard couplings (with `ActNorm`); each later one
    squeezes (H, W, C) -> (H/2, W/2, 4C) and runs Glow steps (`ActNorm`,
    `Invertible1x1Conv`, channel coupling); the middle scales factor out
    half their channels to the N(0, I) base (RealNVP's multi-scale
    architecture). The training loss is the negative bound per example, in
    nats:

        -log P(x) <= -E_q[log p(v) - log q(u|x)] + D log 256,

    logged also as `bits_per_dim`. `log_weights` gives the importance
    weights p(v) / q(u|x) / 256^D of k draws of u, so
    `estimators.log_likelihood(flow, x, num_samples=k)` tightens the bound
    with k (uniform q: the mean over draws; variational: a learned proposal).

    Args:
        dequantization: `"uniform"`, `"variational"` or a
            `keras_vi.layers.Dequantizer` layer.
        num_scales: scales of the flow (>= 1); H and W must be divisible by
            2 ** (num_scales - 1).
        num_steps: flow steps per scale.
        filters: width of the coupling networks.
        alpha: the margin of the logit preprocessing (`LogitTransform`).
        seed: int or None: the dequantization noise, the 1x1 convolutions'
            initial rotations, and `sample`.
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Call arguments:
        x: integer images (batch, H, W) or (batch, H, W, C) in [0, 255].

    Returns (of `call`):
        A dict: `log_p` log p(v) (batch,), `log_q` log q(u|x) (batch,).

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from keras_vi.zoo import RealNVP
        >>> x = np.random.default_rng(0).integers(0, 256, size=(32, 4, 4)).astype("uint8")
        >>> flow = RealNVP(dequantization="variational", num_scales=2, num_steps=2, filters=8, seed=0)
        >>> history = flow.fit(x, epochs=1, verbose=0)
        >>> sorted(history.history)
        ['bits_per_dim', 'loss']
        >>> int(ops.max(flow.sample(2, seed=0))) <= 255
        True

    Reference:
        Dinh, Sohl-Dickstein and Bengio, Density estimation using Real NVP, ICLR 2017;
        Kingma and Dhariwal, Glow, NeurIPS 2018; Ho et al., Flow++, ICML 2019.
    """

    pixel_scale = 255.0

    def __init__(self, dequantization="uniform", num_scales=3, num_steps=4, filters=64,
                 alpha=1e-5, seed=None, **kwargs):
        super().__init__(seed=seed, **full_precision(kwargs))  # a flow is its log-determinants: float32
        self.dequantizer = layers.get_dequantizer(dequantization, seed)
        self.dequantization = layers.serialize_dequantization(dequantization, self.dequantizer)
        self.num_scales = check_positive_int(num_scales, "num_scales")
        self.num_steps = check_positive_int(num_steps, "num_steps")
        self.filters = check_positive_int(filters, "filters")
        self.preprocess = layers.LogitTransform(alpha, name="logit")
        self.alpha = self.preprocess.alpha
        self.bpd_tracker = keras.metrics.Mean(name="bits_per_dim")

    @property
    def activations_per_dim(self):
        """Floats per data value in the widest hidden tensor (the estimator's memory budget)."""
        return self.filters

    # Architecture ---------------------------------------------------------------

    def build(self, input_shape):
        shape = tuple(input_shape[1:])
        if len(shape) not in (2, 3) or None in shape:
            raise ValueError(f"`x` must be images (batch, H, W) or (batch, H, W, C), got shape {tuple(input_shape)}.")
        self.data_shape = shape
        height, width = shape[:2]
        factor = 2 ** (self.num_scales - 1)
        if height % factor or width % factor:
            raise ValueError(
                f"With num_scales={self.num_scales}, H and W must be divisible by {factor}, "
                f"got ({height}, {width})."
            )
        if not self.dequantizer.built:
            self.dequantizer.build((None, *shape))
        image = (None, height, width, shape[2] if len(shape) == 3 else 1)
        self.stages, self.base_shapes = [], []
        for s in range(self.num_scales):
            stage = [] if s == 0 else [layers.Squeeze(name=f"squeeze_{s}")]
            for k in range(self.num_steps):
                stage.append(layers.ActNorm(name=f"act_norm_{s}_{k}"))
                if s > 0:
                    stage.append(layers.Invertible1x1Conv(
                        seed=None if self.seed is None else self.seed + 100 * s + k, name=f"mix_{s}_{k}"))
                stage.append(layers.AffineCoupling(
                    "checkerboard" if s == 0 else "channel", parity=k % 2, filters=self.filters,
                    name=f"coupling_{s}_{k}"))
            for layer in stage:
                layer.build(image)
                image = layer.compute_output_shape(image)
            if self._factors_out(s):
                half = image[3] // 2
                self.base_shapes.append((*image[1:3], half))
                image = (*image[:3], image[3] - half)
            self.stages.append(stage)
        self.base_shapes.append(image[1:])
        self.built = True

    def _factors_out(self, scale):
        return 0 < scale < self.num_scales - 1

    def validate_batch(self, batch, name):
        self.dequantizer.check_data(batch, name, expected_shape=self.data_shape)

    # The flow ---------------------------------------------------------------

    def to_base(self, v):
        """The flow's forward map: v in [0, 1) -> (z (batch, D) in the N(0, I) base, log |det dz/dv|)."""
        h = ops.reshape(ops.cast(v, self.compute_dtype), (-1, *self._image_shape()))
        h, log_det = self.preprocess.forward_and_log_det(h)
        parts, factored = [], iter(self.base_shapes)  # the factored-out parts, in scale order
        for s, stage in enumerate(self.stages):
            for layer in stage:
                h, step_log_det = layer.forward_and_log_det(h)
                log_det = log_det + step_log_det
            if self._factors_out(s):
                half = next(factored)[-1]
                parts.append(h[..., :half])
                h = h[..., half:]
        parts.append(h)
        batch = ops.shape(h)[0]
        return ops.concatenate([ops.reshape(p, (batch, -1)) for p in parts], axis=1), log_det

    def from_base(self, z):
        """The inverse map: z (batch, D) -> v (batch, *data_shape)."""
        z = ops.convert_to_tensor(z, self.compute_dtype)
        sizes = [math.prod(shape) for shape in self.base_shapes]
        parts, start = [], 0
        for shape, size in zip(self.base_shapes, sizes):
            parts.append(ops.reshape(z[:, start : start + size], (-1, *shape)))
            start += size
        h, factored = parts[-1], iter(parts[-2::-1])
        for s in reversed(range(self.num_scales)):
            if self._factors_out(s):
                h = ops.concatenate([next(factored), h], axis=-1)
            for layer in reversed(self.stages[s]):
                h = layer.inverse(h)
        return ops.reshape(self.preprocess.inverse(h), (-1, *self.data_shape))

    def log_prob_continuous(self, v):
        """log p(v) of dequantized images v in [0, 1): (batch,), in nats."""
        z, log_det = self.to_base(v)
        return -0.5 * ops.sum(z * z + LOG_2PI, axis=1) + log_det

    def encode(self, x):
        """Integer images -> base codes z (batch, D) of their cell centres (x + 0.5) / 256."""
        self.check_eager(x)
        self._check_shape(x)
        return self.to_base((ops.cast(x, self.compute_dtype) + 0.5) / self.dequantizer.num_bins)[0]

    def decode(self, z):
        """Base codes z (batch, D) -> the integer images (int32) whose cells hold flow^-1(z)."""
        bins = self.dequantizer.num_bins
        return ops.cast(ops.clip(ops.floor(self.from_base(z) * bins), 0, bins - 1), "int32")

    def _image_shape(self):
        return (*self.data_shape, 1) if len(self.data_shape) == 2 else self.data_shape

    def call(self, x, training=False):
        self._check_shape(x)
        v, log_q = self.dequantizer(x)
        return {"log_p": self.log_prob_continuous(v), "log_q": log_q}

    def _log_bound(self, outputs):
        """log p(v) - log q(u|x) - D log 256 per example: one draw's bound on log P(x)."""
        return outputs["log_p"] - outputs["log_q"] + self.dequantizer.log_bin_volume(self.data_shape)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        del y
        nll = -self._log_bound(y_pred)
        self.bpd_tracker.update_state(nll / (math.prod(self.data_shape) * math.log(2.0)),
                                      sample_weight=sample_weight)
        return self.replica_loss(self.weighted_loss(nll, sample_weight), x)

    def log_weights(self, x, num_samples, proposal="posterior", seed=None):
        """Log importance weights of `num_samples` dequantization draws per example: (k, batch).

        log w = log p(v) - log q(u|x) - D log 256 with u ~ q(u|x);
        `proposal` must be "posterior" (the dequantizer): a flow has no prior proposal.
        """
        check_choice(proposal, "proposal", ("posterior",))
        x = ops.cast(x, self.compute_dtype)
        batch = ops.shape(x)[0]
        repeated = ops.reshape(ops.broadcast_to(x[None], (num_samples, *ops.shape(x))),
                               (-1, *self.data_shape))
        v, log_q = self.dequantizer(repeated, seed=seed)
        log_w = self._log_bound({"log_p": self.log_prob_continuous(v), "log_q": log_q})
        return ops.reshape(log_w, (num_samples, batch))

    # Sampling ----------------------------------------------------------------

    def generate(self, n, seed):
        """decode(z) for z ~ N(0, I): (n, *data_shape) int32 in [0, 255]."""
        return self.decode(_random.normal((n, math.prod(self.data_shape)), seed=seed))

    # Serialization -------------------------------------------------------------

    def get_config(self):
        return {**super().get_config(), "dequantization": self.dequantization,
                "num_scales": self.num_scales, "num_steps": self.num_steps,
                "filters": self.filters, "alpha": self.alpha}
