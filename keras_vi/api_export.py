"""One decorator that makes a class public and serializable.

`keras_vi_export("keras_vi.layers.Sampling")` registers the class with Keras'
serialization under the package name "keras_vi", so `.keras` files written by
keras_vi load wherever keras_vi is importable, on any backend.
"""

import keras


def keras_vi_export(path):
    """Marks `path` as the public name of the decorated class.

    Args:
        path: the dotted public name, e.g. `"keras_vi.layers.Sampling"`.
    """

    def decorator(cls):
        cls._keras_vi_public_name = path
        return keras.saving.register_keras_serializable(package="keras_vi")(cls)

    return decorator
