"""DenseStack against the functional chain of Keras Dense layers it replaces in the default MLPs."""

import keras
import numpy as np
import pytest

from keras_vi import zoo
from keras_vi.layers import DenseStack
from keras_vi.zoo import networks
from tests.conftest import to_numpy


def functional_chain(input_dim, units, heads, input_rescaling=None):
    """What the default MLP networks were: Dense layers called one by one in a functional model."""
    inputs = keras.Input((input_dim,))
    h = inputs if input_rescaling is None else keras.layers.Rescaling(*input_rescaling)(inputs)
    for u in units:
        h = keras.layers.Dense(u, activation="relu")(h)
    outs = []
    for shape in heads:
        out = keras.layers.Dense(int(np.prod(shape)))(h)
        outs.append(out if len(shape) == 1 else keras.layers.Reshape(shape)(out))
    return keras.Model(inputs, outs if len(outs) > 1 else outs[0])


@pytest.mark.parametrize("units,heads,rescaling", [((5, 4), [(2,), (2,)], None), ((3,), [(4, 2)], (1 / 255, -0.5)),
                                                   ((), [(3,)], None)])
def test_same_initial_weights_outputs_and_training_step_as_the_dense_chain(units, heads, rescaling):
    x = np.random.default_rng(0).normal(size=(8, 6)).astype("float32") * (255 if rescaling else 1)
    models = []
    for make in (functional_chain, lambda *a: DenseStack(a[1], a[2], input_rescaling=a[3])):
        keras.utils.set_random_seed(3)  # the initializers draw in the same order
        models.append(make(6, units, heads, rescaling))
        models[-1].build((None, 6))
    reference, stack = models
    for a, b in zip(reference.get_weights(), stack.get_weights()):
        np.testing.assert_array_equal(a, b)
    expected, got = reference(x), stack(x)
    expected, got = (expected, got) if len(heads) > 1 else ([expected], [got])
    for e, g, shape in zip(expected, got, heads):
        assert tuple(g.shape) == (8, *shape)
        np.testing.assert_allclose(to_numpy(g), to_numpy(e), rtol=1e-6, atol=1e-6)
    # one SGD step on the mean square of all heads: the same new weights
    width = sum(int(np.prod(shape)) for shape in heads)
    for net in models:
        inputs = keras.Input((6,))
        outs = net(inputs)
        outs = outs if isinstance(outs, list) else [outs]
        flat = [keras.layers.Flatten()(out) for out in outs]
        trainer = keras.Model(inputs, flat[0] if len(flat) == 1 else keras.layers.Concatenate()(flat))
        trainer.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        trainer.train_on_batch(x, np.zeros((8, width), "float32"))
    for a, b in zip(reference.get_weights(), stack.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_default_networks_for_vectors_are_dense_stacks_with_the_old_weights():
    encoder = networks.build_encoder((6,), 2, hidden_units=(5, 4))
    decoder = networks.build_decoder((6,), 2, [(6,)], hidden_units=(5, 4))
    assert isinstance(encoder, DenseStack) and isinstance(decoder, DenseStack)
    assert [layer.name for layer in encoder.head_layers] == ["mean", "log_var"]
    assert decoder.units == (4, 5)  # mirrored
    model = zoo.VAE(latent_dim=2, hidden_units=(5, 4), seed=0)
    model.build((None, 6))
    assert isinstance(model.encoder, DenseStack)


def test_mixed_precision_computes_in_bfloat16():
    stack = DenseStack((4,), (2,), dtype="mixed_bfloat16")
    out = stack(np.ones((3, 5), "float32"))
    assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
    assert all(keras.backend.standardize_dtype(w.dtype) == "float32" for w in stack.weights)


@pytest.mark.parametrize("kwargs,match", [
    ({"units": 4, "heads": (2,)}, "`units` must be a list"),
    ({"units": (4, 0), "heads": (2,)}, "`units` must be a positive integer"),
    ({"units": (4,), "heads": ()}, "`heads` must be a non-empty list"),
    ({"units": (4,), "heads": (2, -1)}, "`heads` must be a positive integer"),
    ({"units": (4,), "heads": (2,), "head_names": ("a", "b")}, "`head_names` must name each"),
    ({"units": (4,), "heads": (2,), "input_rescaling": (1.0,)}, "`input_rescaling` must be None or"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DenseStack(**kwargs)
