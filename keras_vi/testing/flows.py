"""Checks of invertible layers, after distrax's and TFP's bijector tests.

`jacobian` differentiates with the backend's own autodiff (jax.jacfwd,
torch.autograd.functional.jacobian, tf.GradientTape.jacobian), so a layer's
log-determinant is checked against an independent computation on each backend.
"""

import os
import tempfile

import keras
import numpy as np
from keras import ops

from keras_vi.testing.conformance import _assert_allclose, _numpy, check_config_round_trip


def jacobian(fn, x):
    """d fn(x) / dx for fn: (D,) -> (D,) tensors, as a NumPy (D, D) array."""
    x = np.asarray(x, np.float32)
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return np.asarray(jax.jacfwd(fn)(jax.numpy.asarray(x)))
    if backend == "torch":
        import torch

        return torch.autograd.functional.jacobian(fn, torch.tensor(x)).detach().cpu().numpy()
    import tensorflow as tf

    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return tape.jacobian(y, t).numpy()


def log_abs_det_jacobian(fn, x):
    """log |det d fn / dx| at one flattened example x, by autodiff."""
    sign, log_det = np.linalg.slogdet(jacobian(fn, x).astype(np.float64))
    assert sign != 0, "the Jacobian is singular"
    return log_det


def randomize_weights(layer, scale=0.3, seed=0):
    """Sets every trainable weight to small random values (a coupling starts as the identity)."""
    rng = np.random.default_rng(seed)
    for variable in layer.trainable_variables:
        variable.assign(rng.normal(scale=scale, size=variable.shape).astype(variable.dtype))


def run_bijector_test(layer_cls, init_kwargs, x, context=None, atol=1e-4):
    """Checks a `keras_vi.layers.Bijector` on a small float32 batch `x`.

    Config round trip; symbolic call shapes; inverse(forward(x)) == x;
    forward log-det == -inverse log-det; log-det == log |det J| of the
    autodiff Jacobian, example by example; one `fit` step of a maximum
    likelihood model around the layer (finite loss, weights change); `.keras`
    reload with equal outputs.
    """
    layer = layer_cls(**init_kwargs)
    check_config_round_trip(layer, init_kwargs)
    kwargs = {} if context is None else {"context": context}
    y, log_det = layer.forward_and_log_det(x, **kwargs)  # builds (and initializes data-dependent layers)
    randomize_weights(layer)
    y, log_det = layer.forward_and_log_det(x, **kwargs)
    assert tuple(log_det.shape) == (len(x),), f"log_det has shape {tuple(log_det.shape)}, expected ({len(x)},)"
    symbolic = layer_cls(**init_kwargs)(
        keras.Input(batch_shape=(None, *x.shape[1:])),
        **({} if context is None else {"context": keras.Input(batch_shape=(None, *context.shape[1:]))}),
    )
    assert tuple(symbolic[0].shape)[1:] == tuple(y.shape)[1:], "symbolic and eager shapes differ"

    x_back, inverse_log_det = layer.inverse_and_log_det(y, **kwargs)
    _assert_allclose(x_back, x, "inverse(forward(x)) == x", atol=atol)
    _assert_allclose(inverse_log_det, -_numpy(log_det), "inverse log-det == -forward log-det", atol=atol)

    for i in range(len(x)):
        def one_example(flat, i=i):
            with keras.StatelessScope():  # data-dependent layers must not keep traced values
                example = ops.reshape(flat, (1, *x.shape[1:]))
                extra = {} if context is None else {"context": ops.convert_to_tensor(context[i : i + 1])}
                return ops.reshape(layer.forward_and_log_det(example, **extra)[0], (-1,))

        expected = log_abs_det_jacobian(one_example, x[i].reshape(-1))
        np.testing.assert_allclose(_numpy(log_det)[i], expected, rtol=1e-4, atol=atol,
                                   err_msg=f"log_det of example {i} against the autodiff Jacobian")

    # One fit step of -log N(forward(x); 0, I) - log_det through the layer.
    inputs = keras.Input(x.shape[1:])
    extra_inputs = [] if context is None else [keras.Input(context.shape[1:])]
    out, out_log_det = layer_cls(**init_kwargs)(inputs, **({"context": extra_inputs[0]} if extra_inputs else {}))
    nll = 0.5 * ops.sum(out * out, axis=tuple(range(1, len(out.shape)))) - out_log_det
    model = keras.Model([inputs, *extra_inputs], nll)
    model.compile(optimizer="sgd", loss=_mean_prediction)
    data = [x, *([] if context is None else [context])]
    model(data)  # data-dependent initialization before the weights are compared
    before = [np.copy(_numpy(v)) for v in model.trainable_variables]
    logs = model.fit(data, np.zeros(len(x), "float32"), epochs=1, batch_size=len(x), verbose=0).history
    assert np.isfinite(logs["loss"][0]), "fit step gave a non-finite loss"
    if before:
        after = _numpy(model.trainable_variables)
        assert any(not np.allclose(a, b) for a, b in zip(after, before)), "fit step changed no weight"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "flow.keras")
        model.save(path)
        _assert_allclose(keras.saving.load_model(path, compile=False)(data), model(data), ".keras reload")
    return layer


def _mean_prediction(y_true, y_pred):
    """The loss of a model whose output is already the per-example loss."""
    return ops.mean(y_pred)
