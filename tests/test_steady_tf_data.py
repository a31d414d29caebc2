"""TensorFlow's fit input on its own tf.data thread (keras_vi/training/steady_tf_data.py)."""

import keras
import numpy as np
import pytest

from keras_vi import zoo
from keras_vi.training.steady_tf_data import steady_fit_input

pytestmark = pytest.mark.tf_only


def _epoch(data):
    return [batch.numpy() for batch in data]


def test_arrays_become_a_shuffled_pipeline_with_the_steady_options():
    x = np.arange(10 * 3, dtype="float32").reshape(10, 3)
    data, kwargs = steady_fit_input(x, {"batch_size": 4, "epochs": 2})
    assert kwargs == {"epochs": 2, "shuffle": False}  # the pipeline shuffles itself
    options = data.options()
    assert options.threading.private_threadpool_size == 1 and options.autotune.enabled is False
    first, second = _epoch(data), _epoch(data)
    assert [len(b) for b in first] == [4, 4, 2]  # Keras' batches, the last one partial
    rows = np.concatenate(first)
    np.testing.assert_array_equal(np.sort(rows[:, 0]), x[:, 0])  # every example once
    assert not np.array_equal(rows, np.concatenate(second))  # a new order each epoch
    assert not np.array_equal(rows, x)
    ordered, _ = steady_fit_input(x, {"batch_size": 4, "shuffle": False})
    np.testing.assert_array_equal(np.concatenate(_epoch(ordered)), x)
    default, _ = steady_fit_input(x, {})
    assert [len(b) for b in _epoch(default)] == [10]  # Keras' default batch size, 32


def test_datasets_get_the_options_and_the_rest_is_left_to_keras():
    import tensorflow as tf

    x = np.zeros((6, 2), "float32")
    data, _ = steady_fit_input(tf.data.Dataset.from_tensor_slices(x).batch(2), {})
    assert data.options().threading.private_threadpool_size == 1
    own = tf.data.Options()
    own.threading.private_threadpool_size = 3
    mine = tf.data.Dataset.from_tensor_slices(x).batch(2).with_options(own)
    assert steady_fit_input(mine, {})[0] is mine
    for kwargs in ({"sample_weight": np.ones(6)}, {"validation_split": 0.5}, {"shuffle": "batch"}):
        same, back = steady_fit_input(x, dict(kwargs))
        assert same is x and {k: back[k] for k in kwargs} == kwargs, kwargs


def test_fit_on_arrays_runs_every_batch_through_it(digits):
    steps = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))
    model = zoo.VAE(latent_dim=2, hidden_units=(16,), seed=0)
    model.fit(digits[:40], epochs=2, batch_size=16, verbose=0, callbacks=[counter])
    assert steps == [0, 1, 2, 0, 1, 2]
