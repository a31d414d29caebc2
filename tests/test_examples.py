import os
import runpy
import sys

import pytest

from tests.conftest import BACKEND, REPO, SHARED_DATA

# (script and its options, files it writes, text it prints, whether it reads the shared IDX files)
TUTORIALS = [
    ("latent_variable_models.py", ("mixture_density.png", "estimators_bias_variance.png", "iwae_bounds.png"),
     ("max difference", "L_5000 ="), False),
    ("vae_from_scratch_to_zoo.py", ("kl_monte_carlo.png", "samples.png", "reconstructions.png"),
     ("KL: by hand",), False),
    ("vq_vae_pixelcnn.py", ("codebook.png", "samples.png", "reconstructions.png", "vq_vae.keras"),
     ("EMA codebook matches NumPy: True", "same codes after reload: True"), True),
    ("vq_vae_pixelcnn.py --train", ("samples.png", "vq_vae.keras"), ("same codes after reload: True",), True),
    ("vae_fashion_mnist.py", ("samples.png", "reconstructions.png", "latent_space.png", "vae.keras"), (), True),
    ("dequantization_flows.py", ("samples_uniform.png", "samples_variational.png", "real_nvp.keras"),
     ("variational {", "VAE test bits/dim"), True),
    ("beta_vae_disentanglement.py", ("factors.png", "traversals_beta_vae_1.png", "traversals_factor_vae_35.png",
                                     "factor_vae.keras"),
     ("same codes: True", "factor_vae_35", "beta_tc_vae_6"), False),
    ("beta_vae_disentanglement.py --train", ("traversals_beta_tc_vae_6.png",), ("beta_tc_vae_6: final training loss",),
     False),
    ("vq_vae_speech.py", ("test_digit_0.wav", "reconstruction_0.wav", "sample_digit_2.wav", "spectrograms.png",
                          "vq_vae_speech.keras"),
     ("mu-law quantization SNR", "same sampled codes after reload: True"), True),
    ("posterior_collapse.py", ("kl_per_epoch.png", "samples_plain.png", "samples_free_bits.png", "ar_vae.keras"),
     ("outputs that see their own or a later pixel: 0", "same log weights after reload: True"), False),
]


@pytest.mark.parametrize("script,files,printed,needs_data", TUTORIALS, ids=[t[0] for t in TUTORIALS])
def test_tutorial_runs(tmp_path, monkeypatch, capsys, script, files, printed, needs_data):
    """Each tutorial as `python examples/SCRIPT --smoke`, in this process (as `__main__`):
    a process of its own adds only its start-up (PyTorch's seven: 204 s as subprocesses in
    `.ci/run`, under 52 s in process; README, "Set-up details"). A tutorial's `--train` path
    (training what it loads from a preset by default) runs on TensorFlow only: it trains with
    the same `fit` and `fit_prior` that the zoo's tests run on every backend."""
    if " --train" in script and BACKEND != "tensorflow":
        pytest.skip("a tutorial's --train path runs on TensorFlow only")
    if needs_data and not os.path.isdir(SHARED_DATA):
        pytest.skip(f"no shared data at {SHARED_DATA}")
    script, *options = script.split()
    path = os.path.join(REPO, "examples", script)
    data = ["--data-dir", SHARED_DATA] if needs_data else []
    monkeypatch.setattr(sys, "argv", [path, "--smoke", *options, *data, "--out", str(tmp_path)])
    monkeypatch.setenv("KERAS_BACKEND", BACKEND)  # what the script's setdefault must find
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))  # restored after
    runpy.run_path(path, run_name="__main__")
    stdout = capsys.readouterr().out
    for name in files:
        assert (tmp_path / name).exists(), name
    for text in printed:
        assert text in stdout, text


def test_every_tutorial_is_tested():
    # (their keras.io headers: tests/test_docs.py, through the renderer's own parser)
    scripts = sorted(f for f in os.listdir(os.path.join(REPO, "examples")) if f.endswith(".py"))
    assert scripts == sorted({t[0].split()[0] for t in TUTORIALS})
