"""keras_vi: variational inference for Keras 3 on TensorFlow, JAX and PyTorch.

Importing keras_vi registers its classes with Keras' serialization, so
`keras.saving.load_model` reads keras_vi's `.keras` files after `import keras_vi`.

On the TensorFlow backend, TensorFlow is imported first with its C++ start-up
logs silenced (`keras_vi._tensorflow`), so a user's terminal stays clean.
"""

import sys

from keras_vi._tensorflow import import_tensorflow_quietly, keras_backend_setting, set_random_seed

if "keras" not in sys.modules and keras_backend_setting() == "tensorflow":
    import_tensorflow_quietly()

from keras_vi import (  # noqa: E402
    callbacks,
    datasets,
    distributions,
    estimators,
    layers,
    likelihoods,
    metrics,
    objectives,
    optimizers,
    plotting,
    priors,
    testing,
    training,
    zoo,
)

__version__ = "0.1.0"

__all__ = [
    "callbacks",
    "datasets",
    "distributions",
    "estimators",
    "layers",
    "likelihoods",
    "metrics",
    "objectives",
    "optimizers",
    "plotting",
    "priors",
    "testing",
    "training",
    "zoo",
    "set_random_seed",
    "__version__",
]
