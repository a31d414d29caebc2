"""Fits every zoo model on one device and on two (virtual CPU) devices; prints JSON.

Run in a fresh process by tests/test_data_parallel.py: the devices must be set
up before the backend starts (XLA_FLAGS for JAX, logical CPUs for TensorFlow).

    python tests/data_parallel_check.py   # with KERAS_BACKEND=jax or tensorflow
"""

import json
import os
import sys

BACKEND = os.environ["KERAS_BACKEND"]
if BACKEND == "jax":
    # XLA aborts the process when an all-reduce between the virtual devices stalls
    # (benchmarks/scaling.py); tests/test_data_parallel.py then runs it again
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2 "
                               "--xla_cpu_collective_call_terminate_timeout_seconds=120").strip()
else:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_vi import zoo  # noqa: E402

RNG = np.random.default_rng(0)
BINARY = (RNG.uniform(size=(64, 8, 8)) > 0.5).astype("float32")
PIXELS = RNG.integers(0, 256, size=(64, 8, 8, 1)).astype("float32")
MODELS = {
    "vae": (lambda: zoo.VAE(latent_dim=2, hidden_units=(16,), seed=0), BINARY),
    "iwae": (lambda: zoo.IWAE(latent_dim=2, num_samples=3, hidden_units=(16,), seed=0), BINARY),
    "beta_vae_mlp": (lambda: zoo.BetaVAE(latent_dim=2, beta=4.0, hidden_units=(16,), seed=0), BINARY.reshape(64, -1)),
    "beta_tc_vae": (lambda: zoo.BetaTCVAE(latent_dim=2, hidden_units=(16,), seed=0), BINARY),
    "vq_vae_ema": (lambda: zoo.VQVAE(num_embeddings=8, embedding_dim=4, ema_decay=0.9, filters=(8, 8),
                                     prior_layers=1, prior_filters=8, seed=0), BINARY[..., None]),
    "vq_vae": (lambda: zoo.VQVAE(num_embeddings=8, embedding_dim=4, filters=(8, 8), prior_layers=1,
                                 prior_filters=8, seed=0), BINARY[..., None]),
    "pixel_cnn": (lambda: zoo.PixelCNN(num_classes=2, num_layers=2, filters=8, seed=0), BINARY.astype("int32")),
    "gaussian_mixture": (lambda: zoo.GaussianMixture(3, covariance="full", seed=0), RNG.normal(size=(64, 3)).astype("float32")),
    "factor_vae": (lambda: zoo.FactorVAE(latent_dim=2, hidden_units=(16,), discriminator_units=(8,), seed=0),
                   BINARY),
    "real_nvp": (lambda: zoo.RealNVP(num_scales=1, num_steps=1, filters=8, dequantization="variational",
                                     seed=0), PIXELS),
}


_TF_STRATEGIES = []


def strategies():
    """(one device, two devices) as context managers."""
    if BACKEND == "jax":
        import contextlib

        import jax

        @contextlib.contextmanager
        def data_parallel(devices):
            keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
            try:
                yield
            finally:
                keras.distribution.set_distribution(None)

        return data_parallel(jax.devices()[:1]), data_parallel(jax.devices()[:2])
    if not _TF_STRATEGIES:  # made once: strategies made per model collide in their collectives
        _TF_STRATEGIES.extend([tf.distribute.OneDeviceStrategy("/cpu:0"),
                               tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])])
    return tuple(strategy.scope() for strategy in _TF_STRATEGIES)


def fit(name, scope, batch_size):
    make, x = MODELS[name]
    keras.utils.set_random_seed(0)
    with scope:
        model = make()
        # SGD: a gradient of the wrong scale shows in the weights (Adam would hide it)
        # steps small enough that float rounding (the all-reduce sums in another order) does
        # not grow into visible differences over a few steps: at 0.05 the conv VAE's last bias
        # drifted 1.6e-3 apart while at 0.01 it agrees to 1e-8; smaller still where the losses
        # are large (a flow's hundreds of nats, FactorVAE's γ = 35)
        model.compile(optimizer=keras.optimizers.SGD({"real_nvp": 1e-4, "factor_vae": 1e-3}.get(name, 0.01)))
        history = model.fit(x, epochs=2, batch_size=batch_size, shuffle=False, verbose=0).history
        return model, [np.asarray(keras.ops.convert_to_numpy(v), "float64") for v in model.variables], history


def main(names, batch_size):
    results = {}
    for name in names:
        one_scope, two_scope = strategies()
        _, one, logs_one = fit(name, one_scope, batch_size)
        model, two, logs_two = fit(name, two_scope, batch_size)
        # equal values (infinities included: an initial -inf) differ by 0
        diffs = [float(np.max(np.abs(np.where(a == b, 0.0, a - b)))) if a.size else 0.0
                 for a, b in zip(one, two)]
        worst = int(np.argmax(diffs))
        # the logged terms (each epoch's means over the replicas' examples), relative
        log_diffs = {k: max(abs(a - b) / max(abs(a), 1.0) for a, b in zip(logs_one[k], logs_two[k]))
                     for k in logs_one}
        results[name] = {"max_difference": max(diffs), "worst": model.variables[worst].path,
                         "num_variables": len(one), "replicas_agree": replicas_agree(model),
                         "logs": sorted(logs_two), "log_differences": log_diffs}
    results["devices"] = num_devices()
    results["noise"] = noise_halves()
    results["uneven_batch_error"] = uneven_batch_error(batch_size - 1)
    print(json.dumps(results))


def uneven_batch_error(batch_size):
    """The message of the error a fit on two devices with an odd batch size raises."""
    try:
        fit("vae", strategies()[1], batch_size)
    except ValueError as error:
        return f"ValueError: {error}"
    return None


def num_devices():
    if BACKEND == "jax":
        import jax

        return jax.device_count()
    return int(_TF_STRATEGIES[1].num_replicas_in_sync)


def replicas_agree(model):
    """Whether every variable's copies on the replicas are equal (TensorFlow; JAX keeps one)."""
    if BACKEND == "jax":
        return True
    copies = [getattr(v.value, "values", (v.value,)) for v in model.variables]
    return all(all(np.array_equal(c[0].numpy(), other.numpy()) for other in c[1:]) for c in copies)


def noise_halves():
    """The Sampling layer's noise for a batch of 8 split in two: the halves must differ."""
    from keras_vi import layers

    zeros = np.zeros((8, 2), "float32")
    if BACKEND == "jax":
        _, two = strategies()
        with two:
            z = keras.ops.convert_to_numpy(layers.Sampling(seed=0)([zeros, zeros]))
        return {"first": z[:4].tolist(), "second": z[4:].tolist()}
    strategy = _TF_STRATEGIES[1]
    with strategy.scope():
        sampling = layers.Sampling(seed=0)
    data = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors(zeros))
    per_replica = strategy.run(tf.function(lambda x: sampling([x, x])), args=(next(iter(data)),))
    first, second = (v.numpy() for v in per_replica.values)
    reference = keras.ops.convert_to_numpy(layers.Sampling(seed=0)([zeros, zeros]))
    return {"first": first.tolist(), "second": second.tolist(), "one_device": reference.tolist()}


if __name__ == "__main__":
    batch = int(sys.argv[1])
    main(sys.argv[2:] or list(MODELS), batch)
