"""Conformance checks every public layer and model of keras_vi must pass.

Modelled on Keras' `run_layer_test` (written here, not imported from Keras'
private modules). Each check raises `AssertionError` with what differed.
"""

import os
import tempfile

import keras
import numpy as np
from keras import ops


def _numpy(tree):
    return keras.tree.map_structure(lambda t: np.asarray(ops.convert_to_numpy(t)), tree)


def _assert_allclose(actual, expected, what, atol=1e-6):
    actual, expected = keras.tree.flatten(_numpy(actual)), keras.tree.flatten(_numpy(expected))
    assert len(actual) == len(expected), f"{what}: {len(actual)} vs {len(expected)} outputs"
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, atol=atol, rtol=1e-5, err_msg=what)


def check_config_round_trip(obj, init_kwargs):
    """Every init argument is in `get_config`, and from_config(get_config) agrees."""
    config = obj.get_config()
    for key, value in init_kwargs.items():
        assert key in config, f"{type(obj).__name__}: `{key}` is missing from get_config"
        if not isinstance(value, keras.layers.Layer):
            if hasattr(value, "get_config"):  # a part (likelihood, objective): its config
                value = keras.saving.serialize_keras_object(value)
            assert config[key] == value, (
                f"{type(obj).__name__}: get_config()[{key!r}] is {config[key]!r}, "
                f"expected {value!r}"
            )
    restored = type(obj).from_config(config)
    assert restored.get_config() == config, f"{type(obj).__name__}: config round trip differs"
    return restored


def run_layer_test(layer_cls, init_kwargs, input_shapes, expected_output_shape):
    """Checks a layer taking a list of same-shaped inputs (e.g. [mean, log_var]).

    Config round trip; eager and symbolic call with equal shapes; seed
    determinism (two layers with one seed agree, and successive draws
    differ); one `fit` step of a small model around the layer with finite
    gradients; `.keras` reload with equal outputs.
    """
    layer = layer_cls(**init_kwargs)
    check_config_round_trip(layer, init_kwargs)
    rng = np.random.default_rng(0)
    data = [rng.normal(size=s).astype("float32") for s in input_shapes]

    out = layer(data)
    assert tuple(out.shape) == tuple(expected_output_shape), (
        f"eager output shape {tuple(out.shape)} != {expected_output_shape}"
    )
    symbolic = layer([keras.Input(batch_shape=s) for s in input_shapes])
    assert tuple(symbolic.shape) == tuple(expected_output_shape), (
        f"symbolic output shape {tuple(symbolic.shape)} != {expected_output_shape}"
    )
    assert tuple(layer.compute_output_shape(input_shapes)) == tuple(expected_output_shape)

    twin_a, twin_b = layer_cls(**init_kwargs), layer_cls(**init_kwargs)
    _assert_allclose(twin_a(data), twin_b(data), "same seed, same draw")
    first, second = _numpy(twin_a(data)), _numpy(twin_a(data))
    assert not np.allclose(first, second), "successive draws of a seeded layer repeat"

    # One fit step of a model whose only path to the output runs through the layer.
    inputs = keras.Input(batch_shape=(None, *input_shapes[0][1:]))
    heads = [keras.layers.Dense(input_shapes[0][-1])(inputs) for _ in input_shapes]
    outputs = layer_cls(**init_kwargs)(heads)
    target = np.zeros(expected_output_shape, "float32")
    if len(expected_output_shape) != len(input_shapes[0]):
        # a leading sample axis: Keras' fit wants the batch axis first
        outputs = ops.moveaxis(outputs, 0, 1)
        target = np.moveaxis(target, 0, 1)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    before = [np.copy(_numpy(v)) for v in model.trainable_variables]
    x = data[0]
    logs = model.fit(x, target, epochs=1, batch_size=len(x), verbose=0).history
    assert np.isfinite(logs["loss"][0]), "fit step gave a non-finite loss"
    after = [_numpy(v) for v in model.trainable_variables]
    assert any(not np.allclose(a, b) for a, b in zip(after, before)), "fit step changed no weight"

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "layer.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path)
        # Seed-generator states are not weights and are not saved: a reloaded
        # layer draws like a fresh one built from the same config and weights.
        fresh = keras.Model.from_config(model.get_config())
        fresh.set_weights(model.get_weights())
        _assert_allclose(reloaded(x), fresh(x), ".keras reload: same seed, same output")
    return layer


def run_deterministic_layer_test(layer_cls, init_kwargs, input_shape):
    """Checks a deterministic layer on one input of `input_shape` (or a list of inputs).

    Config round trip; eager and symbolic call with equal shapes; one `fit`
    step of a model around it that changes a weight with a finite loss;
    `.keras` reload with equal outputs. A list of shapes is a layer called
    on a list of tensors (Gated PixelCNN's [vertical, horizontal]).
    """
    layer = layer_cls(**init_kwargs)
    check_config_round_trip(layer, init_kwargs)
    multi = isinstance(input_shape, list)
    shapes = input_shape if multi else [input_shape]
    rng = np.random.default_rng(0)
    data = [rng.normal(size=shape).astype("float32") for shape in shapes]
    x = data if multi else data[0]
    out = layer(x)
    symbolic_inputs = [keras.Input(batch_shape=(None, *shape[1:])) for shape in shapes]
    symbolic = layer(symbolic_inputs if multi else symbolic_inputs[0])
    for s, e in zip(keras.tree.flatten(symbolic), keras.tree.flatten(out)):
        assert tuple(s.shape)[1:] == tuple(e.shape)[1:], (
            f"symbolic shape {tuple(s.shape)} != eager shape {tuple(e.shape)}"
        )
    inputs = [keras.Input(shape[1:]) for shape in shapes]
    heads = [keras.layers.Dense(shape[-1])(i) for shape, i in zip(shapes, inputs)]  # trainable paths in
    model = keras.Model(inputs if multi else inputs[0], layer_cls(**init_kwargs)(heads if multi else heads[0]))
    model.compile(optimizer="sgd", loss="mse")
    before = [np.copy(_numpy(v)) for v in model.trainable_variables]
    targets = keras.tree.map_structure(lambda t: np.zeros(tuple(t.shape), "float32"), out)
    logs = model.fit(x, targets, epochs=1, batch_size=len(data[0]), verbose=0)
    assert np.isfinite(logs.history["loss"][0]), "fit step gave a non-finite loss"
    after = [_numpy(v) for v in model.trainable_variables]
    assert any(not np.allclose(a, b) for a, b in zip(after, before)), "fit step changed no weight"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "layer.keras")
        model.save(path)
        _assert_allclose(keras.saving.load_model(path)(x), model(x), ".keras reload")
    return layer


def run_model_test(model_cls, init_kwargs, x, deterministic_method="reconstruct"):
    """Checks a zoo model on data `x` (a small NumPy batch).

    Config round trip (before and after building); eager and symbolic call
    with equal output shapes; seed determinism; one `fit` step that changes
    the weights with a finite loss; `.keras` reload with equal outputs of
    `call` and of `deterministic_method`.
    """
    keras.utils.set_random_seed(0)
    model = model_cls(**init_kwargs)
    check_config_round_trip(model, init_kwargs)

    eager = model(x)
    symbolic = model(keras.Input(batch_shape=(None, *x.shape[1:])))
    eager_flat, symbolic_flat = keras.tree.flatten(eager), keras.tree.flatten(symbolic)
    assert len(eager_flat) == len(symbolic_flat), "eager and symbolic outputs differ in structure"
    for e, s in zip(eager_flat, symbolic_flat):
        e, s = tuple(e.shape), tuple(s.shape)
        assert len(e) == len(s) and all(b is None or a == b for a, b in zip(e, s)), (
            f"an eager output of shape {e} does not fit its symbolic shape {s}"
        )
    check_config_round_trip(model, init_kwargs)

    keras.utils.set_random_seed(1)
    twin = model_cls(**init_kwargs)
    twin(x)
    twin.set_weights(model.get_weights())
    _assert_allclose(twin(x), model(x), "same seed, same weights, same output")

    logs = model.fit(x, epochs=1, batch_size=len(x), verbose=0).history
    assert np.isfinite(logs["loss"][0]), "fit step gave a non-finite loss"
    after = _numpy(model.trainable_variables)
    assert any(
        not np.allclose(a, b) for a, b in zip(after, _numpy(twin.trainable_variables))
    ), "fit step changed no weight"

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path)
        assert type(reloaded) is model_cls
        method = deterministic_method
        _assert_allclose(getattr(reloaded, method)(x), getattr(model, method)(x),
                         f".keras reload: {method}")
        # zoo models save their seed-generator states: the reloaded model's
        # noise continues where the saved model's was
        _assert_allclose(reloaded(x), model(x), ".keras reload: call continues the saved noise")
    return model
