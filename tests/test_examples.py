import os
import subprocess
import sys

import pytest

from tests.conftest import BACKEND, REPO, SHARED_DATA


@pytest.mark.skipif(not os.path.isdir(SHARED_DATA), reason=f"no shared data at {SHARED_DATA}")
def test_fashion_mnist_tutorial_runs(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "examples", "vae_fashion_mnist.py"), "--smoke",
         "--data-dir", SHARED_DATA, "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("samples.png", "reconstructions.png", "latent_space.png", "vae.keras"):
        assert (tmp_path / name).exists(), name
