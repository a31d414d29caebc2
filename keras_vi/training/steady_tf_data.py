"""TensorFlow's `fit` input with tf.data on its own thread: steady epochs.

On a small CPU machine, tf.data's pipelines share TensorFlow's thread pool with
the training step, and its autotuner resizes them as it goes; `fit`'s epochs
then take 1.5x or 2x one another for the same work (IWAE k=50: 13 s or 20 s an
epoch). A pipeline with a private pool of one thread and the autotuner off runs
every epoch alike (max/min 1.03-1.14) and no slower: the measurements and a
plain-Keras repro are `benchmarks/tf_fit_steadiness.py` and benchmarks/README.md.
"""

import numpy as np

# fit arguments that this module leaves to Keras' own array pipeline
_KERAS_ARRAY_ARGUMENTS = ("sample_weight", "class_weight", "validation_split", "steps_per_epoch")


def steady_options():
    """tf.data options: a private pool of one thread, the autotuner off."""
    import tensorflow as tf

    options = tf.data.Options()
    options.threading.private_threadpool_size = 1
    options.autotune.enabled = False
    return options


def steady_fit_input(x, kwargs):
    """(x, kwargs) for `fit` on TensorFlow: NumPy `x` and tf.data datasets made steady.

    A NumPy array becomes the pipeline Keras would build (each epoch a shuffled
    order of the examples, unless `shuffle=False`, in batches of `batch_size`,
    default 32) with the steady options; a `tf.data.Dataset` gets the options
    unless it sets its own thread pool. Anything else, or arrays with the
    arguments Keras' array pipeline handles (`sample_weight`,
    `validation_split`, ...), is returned as it is (the caller keeps `y` to Keras too).
    """
    import tensorflow as tf

    if isinstance(x, tf.data.Dataset):
        if x.options().threading.private_threadpool_size:  # the user's own choice
            return x, kwargs
        return x.with_options(steady_options()), kwargs
    if not isinstance(x, np.ndarray) or any(kwargs.get(name) is not None for name in _KERAS_ARRAY_ARGUMENTS):
        return x, kwargs
    kwargs = dict(kwargs)
    batch_size = kwargs.pop("batch_size", None) or 32
    shuffle = kwargs.pop("shuffle", True)
    if shuffle not in (True, False):  # "batch": Keras' own
        return x, {**kwargs, "batch_size": batch_size, "shuffle": shuffle}
    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), reshuffle_each_iteration=True)
    # the array enters once, as one element repeated beside the index batches
    # (not as a graph constant), and each batch is gathered from it
    data = tf.data.Dataset.zip((indices.batch(batch_size), tf.data.Dataset.from_tensors(x).repeat()))
    data = data.map(lambda i, array: tf.gather(array, i)).prefetch(1)
    return data.with_options(steady_options()), {**kwargs, "shuffle": False}
