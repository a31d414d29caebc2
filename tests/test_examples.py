import os
import subprocess
import sys

import pytest

from tests.conftest import BACKEND, REPO, SHARED_DATA

TUTORIALS = [
    ("vae_fashion_mnist.py", ("samples.png", "reconstructions.png", "latent_space.png", "vae.keras"), ()),
    ("dequantization_flows.py", ("samples_uniform.png", "samples_variational.png", "real_nvp.keras"),
     ("variational {", "VAE test bits/dim")),
    ("beta_vae_disentanglement.py", ("factors.png", "traversals_beta_vae_1.png", "traversals_factor_vae_35.png",
                                     "factor_vae.keras"),
     ("same codes: True", "factor_vae_35")),
]


@pytest.mark.skipif(not os.path.isdir(SHARED_DATA), reason=f"no shared data at {SHARED_DATA}")
@pytest.mark.parametrize("script,files,printed", TUTORIALS, ids=[t[0] for t in TUTORIALS])
def test_tutorial_runs(tmp_path, script, files, printed):
    env = {**os.environ, "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "examples", script), "--smoke",
         "--data-dir", SHARED_DATA, "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in files:
        assert (tmp_path / name).exists(), name
    for text in printed:
        assert text in result.stdout, text
