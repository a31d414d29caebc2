"""TensorFlow imported quietly; no Keras import here (the package imports this first)."""

import importlib.util
import json
import os
import sys


def tensorflow_installed():
    """Whether TensorFlow can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False


def keras_backend_setting():
    """The backend Keras will use: KERAS_BACKEND, else ~/.keras/keras.json, else tensorflow."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    config = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "keras.json")
    try:
        with open(config) as f:
            return json.load(f).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


def import_tensorflow_quietly():
    """Imports TensorFlow with its C++ start-up logs silenced; returns the module.

    TensorFlow's import and first op print oneDNN notes and CUDA probe errors
    through absl before its logging is set up, so TF_CPP_MIN_LOG_LEVEL does
    not hold them back: file descriptor 2 points to /dev/null meanwhile.
    Python exceptions still propagate. Later imports are plain.
    """
    if sys.modules.get("tensorflow") is not None:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        tf.constant(0.0) + 0.0  # the first op initializes the devices (the CUDA probe)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tf


def set_random_seed(seed):
    """`keras.utils.set_random_seed(seed)` without TensorFlow's start-up logs.

    Keras' function seeds Python, NumPy and the backend, and imports TensorFlow
    to seed it too whenever it is installed, on every backend; this imports it
    quietly first. Scripts and tutorials call `keras_vi.set_random_seed(0)`.
    """
    import keras

    if tensorflow_installed():
        import_tensorflow_quietly()
    keras.utils.set_random_seed(seed)
