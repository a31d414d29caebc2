"""`keras.random.normal` and `uniform`, drawn by Philox on TensorFlow, with XLA or without.

Keras' TensorFlow backend draws through `tf.random.stateless_normal` with the
default algorithm, "auto_select": Philox in a graph or eagerly, but ThreeFry
inside an XLA function (`jit_compile=True`), which XLA's CPU backend computes
many times slower (docs/upstream/keras_random_xla_threefry.md), so that a VAE step
compiled with XLA spends much of its time drawing its noise. These two functions
name Philox on TensorFlow: outside XLA they give `keras.random`'s numbers, and
inside XLA they are fast (XLA's numbers differ from a graph's for the same seed
whatever the algorithm, as TensorFlow documents). On JAX and PyTorch they are
`keras.random`'s functions.
"""

import keras


def _philox_seed(seed):
    """On TensorFlow, the int32 (2,) seed `keras.random` would pass; None where `keras.random` draws.

    None on JAX and PyTorch, and for seed None (Keras' global generator) or a
    bad seed (Keras' error names it).
    """
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if isinstance(seed, keras.random.SeedGenerator):
        seed = seed.next()
    elif isinstance(seed, int) and not isinstance(seed, bool):
        seed = tf.constant([seed, 0], dtype=tf.int64)  # Keras' seed dtype on TensorFlow
    else:
        return None
    if seed.dtype != tf.int32:  # as Keras does: its seeds are int64 on TensorFlow, the op's int32
        seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
    return seed


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """`keras.random.normal`; on TensorFlow by Philox, with XLA or without."""
    tf_seed = _philox_seed(seed)
    if tf_seed is None:
        return keras.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)
    import tensorflow as tf

    return tf.random.stateless_normal(shape, tf_seed, mean=mean, stddev=stddev,
                                      dtype=dtype or keras.config.floatx(), alg="philox")


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """`keras.random.uniform`; on TensorFlow by Philox, with XLA or without."""
    tf_seed = _philox_seed(seed)
    if tf_seed is None:
        return keras.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)
    import tensorflow as tf

    dtype = dtype or keras.config.floatx()
    return tf.random.stateless_uniform(shape, tf_seed, minval=tf.cast(minval, dtype),
                                       maxval=tf.cast(maxval, dtype), dtype=dtype, alg="philox")
