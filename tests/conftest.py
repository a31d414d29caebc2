import os

import keras
import numpy as np
import pytest

BACKEND = keras.backend.backend()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.environ.get(
    "KERAS_VI_DATA_DIR", os.path.join(os.path.dirname(REPO), "shared", "data")
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker, backend in (("tf_only", "tensorflow"), ("jax_only", "jax"), ("torch_only", "torch")):
            if item.get_closest_marker(marker) and BACKEND != backend:
                item.add_marker(pytest.mark.skip(reason=f"{backend} backend only"))


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    yield
    keras.backend.clear_session()


@pytest.fixture
def digits():
    """64 real 8x8 digits in [0, 1] (scikit-learn's bundled data)."""
    from keras_vi import datasets

    return datasets.load("digits")[:64]


def to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))
