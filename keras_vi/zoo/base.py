"""The base of every zoo model: compile defaults, input checks, sampling, weights."""

import contextlib

import keras
import numpy as np

from keras_vi._replicas import check_batches_divide, first_leaf, share_of_global_mean
from keras_vi.datasets.batches import Batches
from keras_vi.optimizers.adam import default_adam
from keras_vi.utils import check_positive_int, check_seed, weighted_mean
from keras_vi.zoo._fit_support import AlignBatchesEpoch, RaiseOnNonFiniteLoss, as_array, first_batch, is_array


class _ClassProperty:
    """A read-only property of the class (`VAE.presets`)."""

    def __init__(self, getter):
        self.getter = getter

    def __get__(self, obj, owner):
        return self.getter(owner)


def _all_subclasses(cls):
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


class ZooModel(keras.Model):
    """What every zoo model shares, so each model only says what differs.

    - Compile defaults, keras-hub style: `compile()` with no optimizer uses
      `keras.optimizers.Adam(default_learning_rate)` (`default_optimizer`),
      and `fit`/`evaluate` compile that way when the model is not compiled yet.
    - One input check: `fit` and `evaluate` check NumPy data whole, and the
      first batch of a dataset or loader, through `validate_batch`, so bad
      data fails with a ValueError naming `x` before any step runs.
    - One sampling convention: `sample(n, seed=None)`; an int seed gives a
      reproducible draw, None the model's own seed generator (a new draw on
      each call).
    - One `sample_weight` policy: it weights each example's loss
      (`weighted_loss`) and each logged metric.
    - A non-finite training loss stops `fit` with a FloatingPointError.

    Args:
        seed: int or None: the model's seed (its sampling noise, and whatever
            else the model documents).
        **kwargs: base `keras.Model` arguments (`name`, ...).
    """

    default_learning_rate = 1e-3
    # whether the model trains tables read by lookups (embeddings, codebooks): on
    # TensorFlow such a model compiles with `keras_vi.optimizers.Adam` (a Keras bug)
    embedding_tables = False
    data_shape = None  # the per-example shape, once built, where the model has one

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None:
            check_seed(seed)  # an int, or a clear error
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(None if seed is None else seed + 1)

    # Compilation ---------------------------------------------------------------

    def compile(self, optimizer="auto", **kwargs):
        """`keras.Model.compile`; `optimizer="auto"` is `default_optimizer()`."""
        if isinstance(optimizer, str) and optimizer == "auto":
            optimizer = self.default_optimizer()
        super().compile(optimizer=optimizer, **kwargs)

    def default_optimizer(self, learning_rate=None):
        """`keras.optimizers.Adam(learning_rate or default_learning_rate)`.

        On TensorFlow, a model with embedding tables (`embedding_tables`) gets
        `keras_vi.optimizers.Adam` instead: Keras 3.15's Adam over-steps
        embedding rows there (docs/upstream/keras_adam_indexed_slices.md).
        """
        return default_adam(learning_rate or self.default_learning_rate, self.embedding_tables)

    def compile_from_config(self, config):
        """Compiles a loaded model as saved (Keras skips models that override `compile`)."""
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)  # so its saved state loads

    def strategy_scope(self):
        """The scope of the model's `tf.distribute` strategy (TensorFlow), else a no-op.

        Zoo models create their variables when they first see data; under a
        strategy (`MirroredStrategy`) those variables, and the default
        optimizer's, must be created in its scope, as Keras' own layers are.
        """
        strategy = getattr(self, "distribute_strategy", None)
        return strategy.scope() if strategy is not None else contextlib.nullcontext()

    def _ensure_compiled(self):
        if not self.compiled:
            self.compile()

    # Input checks --------------------------------------------------------------

    def validate_batch(self, batch, name):
        """Raises a ValueError naming `name` if a NumPy batch does not suit the model."""

    def check_input(self, x, name="x"):
        """Checks NumPy `x` whole, or the first batch of a dataset or loader."""
        self.validate_batch(first_batch(x, name), name)

    def check_eager(self, x, name="x"):
        """`validate_batch` for NumPy (or list) input of a public method; tensors pass.

        Methods such as `encode` or `log_prob` also run inside compiled steps,
        where their input is a backend tensor and checks would cost a host sync.
        """
        if isinstance(x, keras.KerasTensor) or keras.ops.is_tensor(x):
            return
        if isinstance(x, dict):
            self.validate_batch(x, name)
            return
        self.validate_batch(as_array(x, name), name)

    def _check_shape(self, x, name="x"):
        """Raises if tensor `x` does not have the model's per-example shape."""
        shape = tuple(x.shape)
        if self.data_shape is not None and shape[1:] != self.data_shape:
            raise ValueError(
                f"`{name}` must have shape (batch, {', '.join(map(str, self.data_shape))}) "
                f"(rank {len(self.data_shape) + 1}), got shape {shape}."
            )

    # Training --------------------------------------------------------------------

    def replica_loss(self, loss, x):
        """What `compute_loss` returns for batch `x`'s mean `loss`.

        Under tf.distribute each replica's mean loss becomes its share of the
        global batch's mean, as Keras does for its own losses: the summed
        gradients are then one device's, also for a global batch not divisible
        by the number of replicas. Elsewhere, `loss` itself.
        """
        return share_of_global_mean(loss, x)

    def weighted_loss(self, per_example_loss, sample_weight=None):
        """The batch loss: the (sample-weighted) mean of per-example losses."""
        return weighted_mean(per_example_loss, sample_weight)

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit` after the input check; compiles with the defaults if needed.

        Raises:
            ValueError: `x` does not suit the model (shape, NaN, range, dtype).
            FloatingPointError: the training loss became NaN or infinite.
        """
        batch = first_batch(x, "x")  # read once: `x` may be a one-pass iterator
        self.validate_batch(batch, "x")
        self._check_data_parallel_batches(x, batch, kwargs.get("batch_size"))
        with self.strategy_scope():  # variables built lazily belong to the strategy's devices
            if not self.built:
                self.build_for_fit(x, batch)
            self._ensure_compiled()
            self.build_optimizer()
        if not is_array(x):
            kwargs.setdefault("shuffle", False)  # datasets and loaders shuffle themselves
        extra = [RaiseOnNonFiniteLoss()]
        if isinstance(x, Batches):
            extra.append(AlignBatchesEpoch(x))
        kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + extra
        history = self._fit(x, y, **kwargs)
        self.after_fit(history, batch)
        return history

    def after_fit(self, history, batch):
        """What a model checks when `fit` returns, given its History and `x`'s first batch."""

    # Presets (keras_vi.zoo.presets): keras-hub's directory layout and names --------------

    @classmethod
    def from_preset(cls, preset):
        """A trained model from a preset: a bundled name (`cls.presets`), a directory, or a
        `hf://` / `kaggle://` handle. Refuses a preset of another class, naming both."""
        from keras_vi.zoo.presets import load_preset

        return load_preset(preset, cls=cls)

    def save_to_preset(self, directory, **metadata):
        """Writes this model as a preset directory (config.json, model.weights.h5, metadata.json)."""
        from keras_vi.zoo.presets import save_to_preset

        return save_to_preset(self, directory, **metadata)

    @_ClassProperty
    def presets(cls):
        """name -> metadata of the bundled presets of this class (and its subclasses)."""
        from keras_vi.zoo.presets import bundled_presets

        names = {c.__name__ for c in (cls, *_all_subclasses(cls))}
        return {name: meta for name, meta in bundled_presets().items() if meta.get("class_name") in names}

    def build_optimizer(self):
        """Builds the optimizer's variables for the model's, if not yet built (`fit` calls it).

        As Keras' `fit` does on JAX and PyTorch. On TensorFlow it would build them
        inside the traced step, and TensorFlow traces a step again when its first
        trace created variables: the first `fit` would trace the step twice.
        """
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def _check_data_parallel_batches(self, x, batch, batch_size):
        if is_array(x) and not isinstance(x, dict):
            check_batches_divide(self, len(x), batch_size or 32)
        else:
            check_batches_divide(self, None, int(first_leaf(batch).shape[0]), name="x")

    def build_for_fit(self, x, batch):
        """Builds the model from `batch`, the first batch of `x`, before `fit` runs.

        Built before the first step so that callbacks that restore weights
        (`keras.callbacks.BackupAndRestore`) find the model's variables on
        every backend. A model that initializes from the data overrides this.
        """
        if isinstance(batch, dict):
            self.build({key: tuple(value.shape) for key, value in batch.items()})
        else:
            self.build(tuple(batch.shape))

    def _fit(self, x, y, **kwargs):
        """The training itself: `keras.Model.fit`; a model that alternates overrides this."""
        return super().fit(x, y, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        """`keras.Model.evaluate` after the same input check as `fit`."""
        self.check_input(x)
        self._ensure_compiled()
        return super().evaluate(x, y, **kwargs)

    # Sampling ------------------------------------------------------------------

    def sample(self, n, seed=None, **kwargs):
        """Draws `n` examples from the model.

        Args:
            n: how many (>= 1).
            seed: an int for a reproducible draw, or None for the model's own
                seed generator (a new draw on each call).
            **kwargs: what the model's `generate` takes besides (a condition).
        """
        n = check_positive_int(n, "n")
        if not self.built:
            raise ValueError("The model must be built (call fit or the model) before `sample`.")
        seed = self.seed_generator if seed is None else check_seed(seed)
        return self.generate(n, seed, **kwargs)

    def generate(self, n, seed, **kwargs):
        """Draws `n` examples with the SeedGenerator `seed`; see `sample`."""
        raise NotImplementedError

    # Saved state ---------------------------------------------------------------

    def seed_states(self):
        """The state variables of every SeedGenerator in the model, in a fixed order."""
        return [v for v in self.variables if v.name == "seed_generator_state"]

    def save_own_variables(self, store):
        """Keras' saved weights, plus the state of every SeedGenerator in the model.

        Keras saves no random state; with it, a fit resumed from a checkpoint
        (`keras.callbacks.BackupAndRestore`, `.keras` files) draws the same
        noise as the uninterrupted one.
        """
        super().save_own_variables(store)
        for i, state in enumerate(self.seed_states()):
            store[f"{_SEED_STATE}{i}"] = keras.ops.convert_to_numpy(state)

    def load_own_variables(self, store):
        """Loads what `save_own_variables` saved; files without seed states load too."""
        keys = list(store.keys())
        super().load_own_variables({k: store[k] for k in keys if not k.startswith(_SEED_STATE)})
        saved = [k for k in keys if k.startswith(_SEED_STATE)]
        if not saved:
            return
        states = self.seed_states()
        if len(saved) != len(states):
            raise ValueError(
                f"The saved file holds {len(saved)} random-seed states, the model "
                f"{self.name} has {len(states)}: it is not a file of this model."
            )
        for i, state in enumerate(states):
            state.assign(np.asarray(store[f"{_SEED_STATE}{i}"]).astype(state.dtype))

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


_SEED_STATE = "seed_state_"
