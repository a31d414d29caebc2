"""Private helpers shared by the package and its scripts (argument checks, numeric helpers, the machine)."""

import importlib.util
import math
import numbers
import os
import platform

import keras
import numpy as np
from keras import ops


def tensorflow_installed():
    """Whether TensorFlow can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False


def cpu_model():
    """The CPU's model name from /proc/cpuinfo, or None where that file does not give it."""
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    except OSError:
        return None


def machine():
    """This machine in a few words, for the record of a measurement: "CPU model, N cores".

    "CPU model, 1 of 2 cores" when the process may run on fewer cores than the machine has
    (`taskset`): the timings it records are that many cores' timings.
    """
    cpu = cpu_model()
    total = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else total
    cores = f"{usable} of {total} cores" if usable < total else f"{total} cores"
    return f"{cpu or platform.processor() or platform.machine()}, {cores}"


def check_positive_int(value, name):
    """Returns `value` if it is an int >= 1, else raises naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    if value < 1:
        raise ValueError(f"`{name}` must be a positive integer (>= 1), got {value}.")
    return int(value)


def check_fixed_layer_arguments(kwargs, fixed, owner):
    """Raises unless each argument in `kwargs` named in `fixed` is absent or its fixed value.

    For layers that subclass a Keras layer but support one setting of some of
    its arguments (e.g. padding "same"); a pair (v, v) counts as v, and lists
    (from a JSON config) as tuples.
    """
    for key, allowed in fixed.items():
        value = kwargs.get(key, allowed)
        value = tuple(value) if isinstance(value, list) else value
        if value not in (allowed, (allowed, allowed)):
            raise ValueError(f"`{key}` must be {allowed!r} for {owner}, got {value!r}.")


def check_non_negative_float(value, name):
    """Returns `float(value)` if it is a finite real >= 0, else raises naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` must be a non-negative number, got {value!r}.")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value}.")
    return float(value)


def check_choice(value, name, choices):
    """Returns `value` if it is one of `choices`, else raises naming `name`."""
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {list(choices)}, got {value!r}."
        )
    return value


def check_data(x, name, expected_shape=None, unit_interval=False):
    """Checks a NumPy batch eagerly: shape, finiteness and (optionally) range.

    Args:
        x: array-like: NumPy, or any backend's tensor (converted with
            `keras.ops.convert_to_numpy`).
        name: the argument name used in error messages.
        expected_shape: per-example shape (without the batch axis), or None.
        unit_interval: if True, every value must lie in [0, 1].
    """
    x = to_numpy(x)
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"`{name}` must hold real numbers, got dtype {x.dtype}.")
    if expected_shape is not None and tuple(x.shape[1:]) != tuple(expected_shape):
        raise ValueError(
            f"`{name}` must have shape (batch, {', '.join(map(str, expected_shape))})"
            f" (rank {len(expected_shape) + 1}), got shape {tuple(x.shape)}."
        )
    if x.ndim < 2:
        raise ValueError(
            f"`{name}` must have a batch axis and at least one data axis, "
            f"got shape {tuple(x.shape)}."
        )
    if x.shape[0] == 0:
        raise ValueError(f"`{name}` holds no example (shape {tuple(x.shape)}).")
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"`{name}` contains {bad} NaN or infinite values.")
    if unit_interval and x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"`{name}` must lie in [0, 1] for a Bernoulli likelihood, got values in "
            f"[{x.min()}, {x.max()}]. Scale the data (e.g. x / 255) or use "
            "likelihood='gaussian'."
        )
    return x


def check_pixels(x, name, num_bins=256, expected_shape=None, what="an 8-bit model",
                 hint="8-bit pixels, not scaled to [0, 1]"):
    """Checks a NumPy batch of integer pixels: whole numbers in [0, num_bins - 1]."""
    x = check_data(x, name, expected_shape=expected_shape)
    if x.size and (x.min() < 0 or x.max() > num_bins - 1 or np.any(x != np.round(x))):
        raise ValueError(
            f"`{name}` must hold whole numbers in [0, {num_bins - 1}] for {what}"
            + (f" ({hint})" if hint else "") + f", got values in [{x.min()}, {x.max()}]"
            + ("" if np.all(x == np.round(x)) else " that are not all integers") + "."
        )
    return x


def full_precision(kwargs):
    """Layer kwargs whose `dtype` defaults to the policy's variable dtype.

    Under a mixed-precision policy (`mixed_float16`, `mixed_bfloat16`) that is
    float32: the layers whose arithmetic is the objective itself (sampling
    noise, log-determinants, codebook statistics, exact log-likelihoods)
    compute in float32, while the networks around them compute in 16 bits.
    An explicit `dtype` is kept.
    """
    if kwargs.get("dtype") is None:
        kwargs["dtype"] = keras.config.dtype_policy().variable_dtype
    return kwargs


def check_event_ndims(event_ndims):
    if isinstance(event_ndims, bool) or not isinstance(event_ndims, int) or event_ndims < 0:
        raise ValueError(f"`event_ndims` must be an int >= 0, got {event_ndims!r}.")
    return event_ndims


def sum_last_axes(x, num_axes):
    """Sums `x` over its last `num_axes` axes (no-op for 0)."""
    if num_axes == 0:
        return x
    return ops.sum(x, axis=tuple(range(-num_axes, 0)))


def log_mean_exp(x, axis=0):
    """log(mean(exp(x))) along `axis`, through a stable log-sum-exp."""
    k = ops.shape(x)[axis]
    return ops.logsumexp(x, axis=axis) - ops.log(ops.cast(k, x.dtype))


LOG_2PI = math.log(2.0 * math.pi)


def sum_of_losses(losses):
    """The sum of a layer's `add_loss` terms (scalars); a float32 0 for none.

    The terms are stacked first: `keras.ops.sum` of a Python list fails on JAX.
    """
    return ops.sum(ops.stack(losses)) if losses else ops.zeros((), "float32")


def to_numpy(x):
    """A NumPy array of `x` (NumPy, lists, or any backend's tensor)."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (list, tuple, numbers.Number)):
        return np.asarray(x)
    try:
        return np.asarray(ops.convert_to_numpy(x))
    except Exception:  # not a tensor of any backend: let NumPy decide
        return np.asarray(x)


def check_seed(seed, name="seed"):
    """A `keras.random.SeedGenerator` for an int seed; a generator passes through."""
    if isinstance(seed, keras.random.SeedGenerator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"`{name}` must be an int or a keras.random.SeedGenerator, got {seed!r}.")
    return keras.random.SeedGenerator(int(seed))


def check_random_state(random_state, name="random_state"):
    """A `numpy.random.RandomState` from one or an int seed; else a TypeError naming it."""
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.RandomState(int(random_state))
    raise TypeError(
        f"`{name}` must be a numpy.random.RandomState or an int seed, "
        f"got {type(random_state).__name__}."
    )


def weighted_mean(values, sample_weight=None):
    """The mean of per-example `values`, weighted by `sample_weight` if given.

    The one `sample_weight` policy of every zoo model: weights scale each
    example's loss, and the result is normalized by their sum.
    """
    if sample_weight is None:
        return ops.mean(values)
    w = ops.cast(ops.reshape(sample_weight, (-1,)), values.dtype)
    return ops.sum(w * values) / ops.maximum(ops.sum(w), 1e-12)


class Part:
    """Base of the plain (weightless) parts: serializable through their config."""

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _comparable_config(obj):
    config = dict(obj.get_config())
    config.pop("name", None)  # layers get unique names; the name says nothing of the part
    return config


class Registry(dict):
    """Names -> part classes, and the one place a name becomes a part and back.

    A string argument is only a shortcut: `resolve` turns it, once, into an
    instance of `base_cls` (instances pass through, serialized configs are
    deserialized); `serialize` writes the name back when the part is that
    name's default, else its Keras config.

    Args:
        argument: the argument name used in error messages (`"likelihood"`).
        base_cls: the class every part derives from.
        entries: dict of name -> class.
    """

    def __init__(self, argument, base_cls, entries):
        super().__init__(entries)
        self.argument, self.base_cls = argument, base_cls

    def resolve(self, value):
        """A part from a registry name, a serialized config or an instance."""
        if isinstance(value, str):
            if value not in self:
                raise ValueError(
                    f"`{self.argument}` must be one of {sorted(self)} or a keras_vi "
                    f"{self.base_cls.__name__}, got {value!r}."
                )
            return self[value]()
        if isinstance(value, dict):  # a config written by `serialize`
            value = keras.saving.deserialize_keras_object(value)
        if not isinstance(value, self.base_cls):
            raise ValueError(
                f"`{self.argument}` must be one of {sorted(self)} or a keras_vi "
                f"{self.base_cls.__name__}, got {type(value).__name__}."
            )
        return value

    def serialize(self, part):
        """Its registry name when it is that name's default, else its Keras config."""
        for key, cls in self.items():
            if type(part) is cls and _comparable_config(part) == _comparable_config(cls()):
                return key
        return keras.saving.serialize_keras_object(part)

