"""keras_vi: variational inference for Keras 3 on TensorFlow, JAX and PyTorch.

Importing keras_vi registers its classes with Keras' serialization, so
`keras.saving.load_model` reads keras_vi's `.keras` files after `import keras_vi`.
It has no other effect on the process: no environment variable, no global
policy, no file descriptor is changed, and on JAX and PyTorch TensorFlow is
not imported.
"""

from keras_vi import (
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

__version__ = "0.2.0"

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
    "__version__",
]
