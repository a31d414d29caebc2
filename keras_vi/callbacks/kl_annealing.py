"""KL annealing: a schedule for the KL weight of a latent variable model."""

import math

import keras

from keras_vi.utils import check_choice, check_non_negative_float, check_positive_int

SCHEDULES = ("linear", "cyclical", "sigmoid")


class KLAnnealing(keras.callbacks.Callback):
    """Sets the model's KL weight before every training step.

    The weight lives in the model's `kl_weight` variable, which the loss reads
    inside the compiled step, so the schedule takes effect on TensorFlow, JAX
    and PyTorch alike. Starting the KL weight near zero lets the decoder learn
    to use z before the KL term pulls q(z|x) onto the prior, a remedy for
    posterior collapse.

    Schedules, with t the number of training steps taken, read from the
    optimizer's `iterations` when training starts (so a fit resumed by
    `keras.callbacks.BackupAndRestore`, or a second `fit`, continues the
    schedule where it stopped), and w_max = `max_weight`:
    - `"linear"` (Bowman et al., 2016): w = w_max * min(1, t / warmup_steps).
    - `"sigmoid"` (Bowman et al., 2016):
      w = w_max / (1 + exp(-10 (t - warmup_steps / 2) / warmup_steps)).
    - `"cyclical"` (Fu et al., 2019): the steps split into `num_cycles` cycles
      of `cycle_steps`; in each, w rises linearly over the first `ratio` of
      the cycle, then stays at w_max.

    Args:
        schedule: `"linear"`, `"cyclical"` or `"sigmoid"`.
        warmup_steps: steps to reach w_max (linear, sigmoid).
        cycle_steps: steps per cycle (cyclical).
        ratio: fraction of each cycle spent rising (cyclical), in (0, 1].
        max_weight: w_max; None uses the model's `beta` (1.0 by default).

    The model's objective must read the KL weight (`uses_kl_weight`): for
    the ELBO it scales the KL term, for the IWAE bound it scales
    log p(z) - log q(z|x) inside each importance weight.

    Examples:
        >>> import keras, numpy as np, keras_vi
        >>> from keras_vi.callbacks import KLAnnealing
        >>> x = np.random.default_rng(0).uniform(size=(64, 8, 8)).astype("float32")
        >>> model = keras_vi.zoo.VAE(latent_dim=2)
        >>> _ = model.fit(x, epochs=3, verbose=0,
        ...               callbacks=[KLAnnealing("linear", warmup_steps=4)])
        >>> float(keras.ops.convert_to_numpy(model.kl_weight))  # step 5 of 6: warmed up
        1.0
    """

    def __init__(
        self,
        schedule="linear",
        warmup_steps=1000,
        cycle_steps=1000,
        ratio=0.5,
        max_weight=None,
    ):
        super().__init__()
        self.schedule = check_choice(schedule, "schedule", SCHEDULES)
        self.warmup_steps = check_positive_int(warmup_steps, "warmup_steps")
        self.cycle_steps = check_positive_int(cycle_steps, "cycle_steps")
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 1:
            raise ValueError(f"`ratio` must be in (0, 1], got {ratio}.")
        self.ratio = float(ratio)
        self.max_weight = None if max_weight is None else check_non_negative_float(
            max_weight, "max_weight"
        )
        self.step = None  # read from the optimizer at the first step of each fit
        self.history = []
        self._assigned = None

    def weight(self, step):
        """The KL weight at `step` (a Python float), before scaling by w_max."""
        if self.schedule == "linear":
            return min(1.0, step / self.warmup_steps)
        if self.schedule == "sigmoid":
            x = 10.0 * (step - self.warmup_steps / 2) / self.warmup_steps
            return 1.0 / (1.0 + math.exp(-x))
        phase = (step % self.cycle_steps) / self.cycle_steps
        return min(1.0, phase / self.ratio)

    def on_train_begin(self, logs=None):
        if not hasattr(self.model, "kl_weight"):
            raise ValueError(
                "KLAnnealing needs a keras_vi model with a `kl_weight` variable, got "
                f"{type(self.model).__name__}."
            )
        objective = getattr(self.model, "objective", None)
        if objective is not None and not objective.uses_kl_weight:
            raise ValueError(
                f"KLAnnealing would do nothing: the model's objective "
                f"{type(objective).__name__} does not read `kl_weight`."
            )
        if self.max_weight is None:
            self._max = float(getattr(self.model, "beta", 1.0))
        else:
            self._max = self.max_weight
        # read at the first step, after BackupAndRestore (wherever it is in
        # the callbacks) has restored the optimizer
        self.step = None
        self._assigned = None

    def on_train_batch_begin(self, batch, logs=None):
        if self.step is None:
            self.step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        value = self._max * self.weight(self.step)
        if value != self._assigned:
            # On JAX, `fit` carries the variables in a state of its own between
            # steps; writing the state back first makes the next step read
            # the new weight (Keras' hook for callbacks that change state).
            if keras.backend.backend() == "jax":
                self.model.jax_state_sync()  # a no-op outside `fit`'s loop
            self.model.kl_weight.assign(value)
            self._assigned = value
        self.history.append(value)
        self.step += 1

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self.history:
            logs["kl_weight"] = self.history[-1]
