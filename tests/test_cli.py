import json
import os
import subprocess
import sys

from tests.conftest import BACKEND, REPO


def keras_vi_cli(*args, env_backend=BACKEND):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": env_backend}
    return subprocess.run(
        [sys.executable, "-m", "keras_vi", *args], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=300,
    )


def test_train_smoke_run_writes_everything(tmp_path):
    out = tmp_path / "run"
    result = keras_vi_cli("train", "iwae", "--dataset", "digits", "--epochs", "1", "--latent-dim", "2",
                          "--num-samples", "3", "--batch-size", "256", "--out", str(out),
                          "--backend", BACKEND, "--verbose", "0",
                          # another backend in the environment: --backend must win
                          env_backend={"tensorflow": "jax"}.get(BACKEND, "tensorflow"))
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("samples.png", "reconstructions.png", "history.png", "metrics.json", "model.keras"):
        assert (out / name).stat().st_size > 0, name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["backend"] == BACKEND and metrics["model"] == "iwae"
    assert set(metrics["test"]) == {"loss", "reconstruction", "kl", "elbo", "iwae_bound"}
    assert metrics["num_train_examples"] == 1437 and metrics["num_test_examples"] == 360
    result = keras_vi_cli("evaluate", str(out), "--num-samples", "20", "--backend", BACKEND)
    assert result.returncode == 0, result.stderr[-3000:]
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["num_examples"] == 360 and evaluation["num_samples"] == 20
    assert evaluation["nll_nats"] > 0 and 0 <= evaluation["active_units"] <= 2
    assert abs(evaluation["bits_per_dim"] - evaluation["nll_nats"] / (64 * 0.6931471805599453)) < 1e-9
    # L_20 is a better bound than the one-sample ELBO, up to Monte Carlo noise
    assert -evaluation["nll_nats"] > evaluation["elbo"] - 0.5
    assert "cross-entropies" in evaluation["note"]  # grey-level digits are not binary
    if BACKEND == "torch":
        assert metrics["saved_model"] is None and "KERAS_BACKEND=tensorflow" in metrics["saved_model_note"]
    else:
        assert (out / "saved_model" / "saved_model.pb").exists()


def test_bad_arguments_exit_with_a_message(tmp_path):
    result = keras_vi_cli("train", "vae", "--latent-dim", "0", "--out", str(tmp_path), "--backend", BACKEND)
    assert result.returncode == 2 and "--latent-dim" in result.stderr
    result = keras_vi_cli("train", "vae", "--dataset", "mnist", "--data-dir", str(tmp_path / "nowhere"),
                          "--out", str(tmp_path), "--backend", BACKEND)
    assert result.returncode == 2 and "data_dir" in result.stderr
    result = keras_vi_cli("evaluate", str(tmp_path / "no_run"))
    assert result.returncode == 2 and "run_dir" in result.stderr
