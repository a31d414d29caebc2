"""keras_vi.optimizers.Adam: Keras' Adam's results, through PyTorch's fused kernel on CPU tensors."""

import keras
import numpy as np
import pytest

import keras_vi
from keras_vi.optimizers import Adam
from tests.conftest import to_numpy

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


def test_schedule_weight_decay_and_clipping_stay_keras_own():
    init, grads = problem(seed=1)
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=3, decay_rate=0.5)
    kwargs = {"weight_decay": 0.01, "clipnorm": 1.0}
    ours = run(Adam(schedule, **kwargs), init, grads)
    keras_own = run(keras.optimizers.Adam(schedule, **kwargs), init, grads)
    for got, want in zip(ours, keras_own):
        np.testing.assert_allclose(got, want, atol=2e-6)


@pytest.mark.torch_only
def test_torch_cpu_update_is_one_fused_call_and_traced_steps_fall_back(monkeypatch):
    import torch

    calls = []
    fused = torch._fused_adam_
    monkeypatch.setattr(torch, "_fused_adam_", lambda *a, **k: calls.append(1) or fused(*a, **k))
    init, grads = problem(steps=3)
    run(Adam(1e-2), init, grads)
    assert len(calls) == 3  # one kernel call per step for all variables
    # Under torch.compile (jit_compile=True) Keras' own foreach update is traced instead.
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    expected = run(keras.optimizers.Adam(1e-2), init, grads)
    got = run(Adam(1e-2), init, grads)
    assert len(calls) == 3
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_config_round_trip_and_state_interchange_with_keras_adam(tmp_path):
    optimizer = Adam(3e-3, beta_1=0.8, amsgrad=True)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer) and restored.get_config() == optimizer.get_config()
    x = (np.random.default_rng(0).uniform(size=(32, 6)) < 0.5).astype("float32")
    model = keras_vi.zoo.VAE(latent_dim=2, hidden_units=(4,), seed=0)
    model.fit(x, epochs=1, batch_size=16, verbose=0)  # compiled with the default, this Adam
    assert isinstance(model.optimizer, Adam)
    path = str(tmp_path / "vae.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.optimizer, Adam)
    keras_adam = keras.optimizers.Adam(amsgrad=True)
    keras_adam.build(model.trainable_variables)
    ours = Adam(amsgrad=True)
    ours.build(model.trainable_variables)
    # the same state, in the same order: either optimizer loads the other's saved variables
    assert [(v.name, v.shape) for v in ours.variables] == [(v.name, v.shape) for v in keras_adam.variables]
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def test_an_embedding_looked_up_many_times_takes_numpy_adams_steps():
    """The gradient of an Embedding (a tf.IndexedSlices with duplicates on TensorFlow) is summed first.

    Keras 3.15's Adam on TensorFlow squares the duplicate slices one by one
    (v = sum g_i^2, not (sum g_i)^2) and over-steps; the reference is Adam in
    NumPy on the dense gradient, worked out by hand for a squared error.
    """
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 3, size=(16, 40))
    targets = rng.normal(size=(16, 40, 4)).astype("float32")
    init = rng.normal(size=(3, 4)).astype("float32")
    model = keras.Sequential([keras.Input((40,), dtype="int32"), keras.layers.Embedding(3, 4)])
    model.layers[0].embeddings.assign(init)
    model.compile(optimizer=Adam(1e-3), loss="mse")
    weights, steps = [init], []
    for _ in range(3):
        # d/dE of mean((E[ids] - y)^2) over every entry: 2 (E[ids] - y) / size, summed per row
        grad = np.zeros((3, 4))
        np.add.at(grad, ids, 2 * (weights[-1][ids] - targets) / targets.size)
        steps.append([grad])
        weights = numpy_adam([init], steps, lr=lambda t: 1e-3)
        model.train_on_batch(ids, targets)
        np.testing.assert_allclose(to_numpy(model.layers[0].embeddings), weights[0], atol=1e-6)
