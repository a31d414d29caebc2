"""Keras' Adam with an embedding gradient's duplicate rows summed first (a workaround on TensorFlow).

On TensorFlow, the gradient of a gather (an `Embedding`'s, a PixelCNN's pixel
embedding, a VQ-VAE's codebook lookup) is a `tf.IndexedSlices` with one slice
per lookup, duplicates included. Keras 3.15's Adam squares those slices one by
one and sums them into v afterwards: v gets sum(g_i^2) where Adam's math, and
Keras' own update on JAX and PyTorch, have (sum g_i)^2, so rows looked up many
times per batch take steps up to sqrt(lookups) times too large. The upstream
report, with a minimal repro, is docs/upstream/keras_adam_indexed_slices.md;
`tests/test_optimizers.py` shows the bug on plain Keras and fails the day
Keras fixes it, when this class can go.
"""

import keras

from keras_vi.api_export import keras_vi_export


@keras_vi_export("keras_vi.optimizers.Adam")
class Adam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` that sums an embedding gradient's duplicate slices on TensorFlow.

    Same arguments, defaults, variables and saved state as
    `keras.optimizers.Adam`; on JAX and PyTorch it is that class's update. On
    TensorFlow a `tf.IndexedSlices` gradient is made dense first (duplicates
    summed), so a row looked up many times takes Adam's step (see the
    module's text). Zoo models with embedding tables (`PixelCNN`, `ARVAE`,
    `VQVAE`) compile with it on TensorFlow; every other model, and every
    model on JAX and PyTorch, compiles with `keras.optimizers.Adam`.

    Example:

    ```python
    model = keras_vi.zoo.PixelCNN(num_classes=4)
    model.compile(optimizer=keras_vi.optimizers.Adam(1e-3))
    ```
    """

    def update_step(self, gradient, variable, learning_rate):
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            if isinstance(gradient, tf.IndexedSlices):
                gradient = tf.convert_to_tensor(gradient)  # duplicates summed: sum_i g_i, dense
        return super().update_step(gradient, variable, learning_rate)


def default_adam(learning_rate, embedding_tables=False):
    """The optimizer zoo models compile with: `keras.optimizers.Adam`, or `Adam` above where it matters.

    `embedding_tables`: whether the model trains tables read by lookups (only
    on TensorFlow does that change the choice).
    """
    if embedding_tables and keras.backend.backend() == "tensorflow":
        return Adam(learning_rate)
    return keras.optimizers.Adam(learning_rate)
