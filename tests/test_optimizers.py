"""The zoo's optimizers: `keras.optimizers.Adam`, and `keras_vi.optimizers.Adam`, its workaround for
a Keras bug on TensorFlow (embedding gradients), checked against Adam in float64 NumPy."""

import keras
import numpy as np
import pytest

import keras_vi
from keras_vi.optimizers import Adam
from tests.conftest import BACKEND, to_numpy

SHAPES = [(7, 5), (5,), (3,)]


def numpy_adam(weights, grads_per_step, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """Keras' Adam in float64 NumPy (keras/src/optimizers/adam.py's formula)."""
    weights = [w.astype("float64") for w in weights]
    m = [np.zeros_like(w) for w in weights]
    v = [np.zeros_like(w) for w in weights]
    v_hat = [np.zeros_like(w) for w in weights]
    for t, grads in enumerate(grads_per_step, start=1):
        alpha = lr(t - 1) * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        for i, g in enumerate(grads):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g
            v[i] = beta_2 * v[i] + (1 - beta_2) * g * g
            v_hat[i] = np.maximum(v_hat[i], v[i])
            weights[i] = weights[i] - alpha * m[i] / (np.sqrt(v_hat[i] if amsgrad else v[i]) + epsilon)
    return weights


def run(optimizer, init, grads_per_step):
    variables = [keras.Variable(w) for w in init]
    for grads in grads_per_step:
        optimizer.apply([keras.ops.convert_to_tensor(g) for g in grads], variables)
    return [to_numpy(v) for v in variables]


def problem(steps=20, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(steps)]
    return init, grads


def test_zoo_models_compile_with_keras_adam():
    model = keras_vi.zoo.VAE(latent_dim=2)
    model.compile()
    assert isinstance(model.optimizer, keras.optimizers.Adam) and not isinstance(model.optimizer, Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(model.default_learning_rate)
    # a model with an embedding table gets the workaround on TensorFlow only
    pixel_cnn = keras_vi.zoo.PixelCNN(num_classes=2, num_layers=1, filters=4)
    pixel_cnn.compile()
    assert isinstance(pixel_cnn.optimizer, Adam) == (BACKEND == "tensorflow")


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_is_keras_adam_against_float64_numpy(amsgrad):
    init, grads = problem()
    expected = numpy_adam(init, grads, lambda t: 1e-2, amsgrad=amsgrad)
    ours = run(Adam(1e-2, amsgrad=amsgrad), init, grads)
    keras_own = run(keras.optimizers.Adam(1e-2, amsgrad=amsgrad), init, grads)
    for got, kept, want, start in zip(ours, keras_own, expected, init):
        assert np.abs(want - start).max() > 0.05  # the weights moved
        np.testing.assert_allclose(got, want, atol=2e-6)
        np.testing.assert_allclose(kept, want, atol=2e-6)


def test_config_round_trip():
    optimizer = Adam(3e-3, beta_1=0.8, amsgrad=True)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer) and restored.get_config() == optimizer.get_config()
    keras_own = keras.optimizers.Adam(3e-3, beta_1=0.8, amsgrad=True, name=optimizer.name)
    assert optimizer.get_config() == keras_own.get_config()  # the same arguments and defaults


def embedding_problem():
    """An Embedding(3, 4) read 640 times a batch, fitted to targets by mean squared error."""
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 3, size=(16, 40))
    targets = rng.normal(size=(16, 40, 4)).astype("float32")
    init = rng.normal(size=(3, 4)).astype("float32")
    return ids, targets, init


def embedding_steps(optimizer, num_steps=3):
    """(the embedding after each step, Adam in NumPy on the dense gradient after each step)."""
    ids, targets, init = embedding_problem()
    model = keras.Sequential([keras.Input((40,), dtype="int32"), keras.layers.Embedding(3, 4)])
    model.layers[0].embeddings.assign(init)
    model.compile(optimizer=optimizer, loss="mse")
    got, expected, grads = [], [], []
    weights = init
    for _ in range(num_steps):
        # d/dE of mean((E[ids] - y)^2) over every entry: 2 (E[ids] - y) / size, summed per row
        grad = np.zeros((3, 4))
        np.add.at(grad, ids, 2 * (weights[ids] - targets) / targets.size)
        grads.append([grad])
        weights = numpy_adam([init], grads, lr=lambda t: 1e-3)[0]
        model.train_on_batch(ids, targets)
        got.append(to_numpy(model.layers[0].embeddings))
        expected.append(weights)
    return got, expected


def test_an_embedding_looked_up_many_times_takes_numpy_adams_steps():
    """keras_vi's Adam takes Adam's step on every backend (the dense gradient, duplicates summed)."""
    for got, expected in zip(*embedding_steps(Adam(1e-3))):
        np.testing.assert_allclose(got, expected, atol=1e-6)


def test_keras_adam_steps_embeddings_right_except_on_tensorflow():
    """The Keras bug that `keras_vi.optimizers.Adam` works around (docs/upstream/keras_adam_indexed_slices.md).

    On TensorFlow, Keras 3.15's Adam takes an Embedding's `tf.IndexedSlices`
    gradient, squares its duplicate slices one by one (v = sum g_i^2, not
    (sum g_i)^2) and over-steps. When this test fails on TensorFlow, Keras has
    fixed the bug: `keras_vi.optimizers.Adam` and `ZooModel.embedding_tables`
    can go.
    """
    got, expected = embedding_steps(keras.optimizers.Adam(1e-3), num_steps=1)
    ids, _, init = embedding_problem()
    step, want = np.abs(got[0] - init).max(), np.abs(expected[0] - init).max()
    if BACKEND != "tensorflow":
        np.testing.assert_allclose(got[0], expected[0], atol=1e-6)
        return
    # each row is read about 213 times: its first step is several times Adam's lr-sized one
    assert want == pytest.approx(1e-3, rel=1e-3)
    assert step > 3 * want, f"Keras' Adam stepped {step:.2e}, Adam's step is {want:.2e}: fixed upstream?"
