"""SavedModel export (TF, JAX) and the route from torch; cross-backend .keras."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_vi import zoo
from tests.conftest import BACKEND, REPO, to_numpy

OTHER_BACKEND = {"tensorflow": "jax", "jax": "torch", "torch": "tensorflow"}[BACKEND]


def run_python(code, backend, *args):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def check_saved_model(path, model, x, noise):
    import tensorflow as tf

    loaded = tf.saved_model.load(path)
    enc = loaded.encode(tf.constant(x))
    mean, log_var = model.encode(x)
    np.testing.assert_allclose(enc["mean"].numpy(), to_numpy(mean), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(enc["log_var"].numpy(), to_numpy(log_var), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(loaded.decode(tf.constant(noise)).numpy(), to_numpy(model.decode(noise)),
                               rtol=1e-4, atol=1e-5)
    samples = loaded.sample(tf.constant(noise)).numpy()
    assert samples.shape == (len(noise), *x.shape[1:])
    np.testing.assert_allclose(samples, to_numpy(model.decode(noise)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(loaded.serve(tf.constant(x)).numpy(), to_numpy(model.reconstruct(x)),
                               rtol=1e-4, atol=1e-5)


@pytest.fixture
def trained(digits):
    model = zoo.VAE(latent_dim=3, seed=0)
    model.fit(digits, epochs=1, verbose=0)
    noise = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    return model, digits[:6], noise


@pytest.mark.skipif(BACKEND == "torch", reason="SavedModel export needs TF or JAX")
def test_export_endpoints_match_the_model(trained, tmp_path):
    model, x, noise = trained
    model.export(str(tmp_path / "sm"), verbose=False)
    check_saved_model(str(tmp_path / "sm"), model, x, noise)


@pytest.mark.torch_only
def test_torch_export_names_the_route_and_the_route_works(trained, tmp_path):
    model, x, noise = trained
    with pytest.raises(ValueError, match="KERAS_BACKEND=tensorflow"):
        model.export(str(tmp_path / "sm"))
    model.save(str(tmp_path / "m.keras"))
    run_python(
        "import sys, keras, keras_vi; m = keras.saving.load_model(sys.argv[1]); m.export(sys.argv[2], verbose=False)",
        "tensorflow", str(tmp_path / "m.keras"), str(tmp_path / "sm"),
    )
    check_saved_model(str(tmp_path / "sm"), model, x, noise)


def test_keras_file_loads_under_another_backend(trained, tmp_path):
    model, x, noise = trained
    model.save(str(tmp_path / "m.keras"))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "noise.npy", noise)
    out = run_python(
        "import sys, json, numpy as np, keras, keras_vi\n"
        "m = keras.saving.load_model(sys.argv[1])\n"
        "x = np.load(sys.argv[2]); noise = np.load(sys.argv[3])\n"
        "c = lambda t: keras.ops.convert_to_numpy(t).tolist()\n"
        "print(json.dumps({'rec': c(m.reconstruct(x)), 'dec': c(m.decode(noise)), 'type': type(m).__name__}))",
        OTHER_BACKEND, str(tmp_path / "m.keras"), str(tmp_path / "x.npy"), str(tmp_path / "noise.npy"),
    )
    got = json.loads(out.strip().splitlines()[-1])
    assert got["type"] == "VAE"
    np.testing.assert_allclose(got["rec"], to_numpy(model.reconstruct(x)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got["dec"], to_numpy(model.decode(noise)), rtol=1e-4, atol=1e-5)


def test_keras_reload_keeps_iwae_and_its_options(digits, tmp_path):
    model = zoo.IWAE(latent_dim=2, num_samples=4, likelihood="bernoulli", seed=5)
    model.fit(digits, epochs=1, verbose=0)
    model.save(str(tmp_path / "i.keras"))
    reloaded = keras.saving.load_model(str(tmp_path / "i.keras"))
    assert type(reloaded) is zoo.IWAE and reloaded.num_samples == 4 and reloaded.seed == 5
    np.testing.assert_allclose(to_numpy(reloaded.reconstruct(digits)), to_numpy(model.reconstruct(digits)),
                               rtol=1e-5, atol=1e-6)
    # the reloaded model trains on
    reloaded.fit(digits, epochs=1, verbose=0)
