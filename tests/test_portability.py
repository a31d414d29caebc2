"""The .keras portability matrix: every zoo model saved under each backend loads under each
other backend with equal outputs (3 x 2; a backend's own reload is in test_conformance.py).
TensorFlow's and JAX's saves and loads each run in a fresh process, PyTorch's in this one."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

SCRIPT = os.path.join(REPO, "tests", "portability_check.py")
BACKENDS = ("tensorflow", "jax", "torch")  # torch last: this process's


def _run(backend, *args):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, SCRIPT, *args], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, f"{backend} {args[0]}: {result.stderr[-3000:]}"
    return result.stdout


# the matrix covers every backend itself: it runs once, in the PyTorch pass of make test
@pytest.mark.torch_only
def test_every_zoo_model_saved_under_each_backend_loads_under_each_backend(tmp_path):
    from tests import portability_check

    for backend in BACKENDS[:2]:
        _run(backend, "save", str(tmp_path))
    portability_check.save(str(tmp_path))
    cells = {}
    for backend in BACKENDS[:2]:
        cells.update(json.loads(_run(backend, "load", str(tmp_path)).strip().splitlines()[-1]))
    cells.update(portability_check.load(str(tmp_path)))
    pairs = {key.split("/")[0] for key in cells}
    assert pairs == {f"{a}->{b}" for a in BACKENDS for b in BACKENDS if a != b}
    assert len(cells) == 6 * 10  # ten zoo models in every cell
    for key, differences in cells.items():
        for output, difference in differences.items():
            # float32 arithmetic of three backends (oneDNN, XLA, ATen) on the same weights
            assert difference < 1e-4, (key, output, difference)
