"""keras_vi: variational inference for Keras 3 on TensorFlow, JAX and PyTorch.

Importing keras_vi registers its classes with Keras' serialization, so
`keras.saving.load_model` reads keras_vi's `.keras` files after `import keras_vi`.
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
    "plotting",
    "priors",
    "testing",
    "training",
    "zoo",
    "__version__",
]
