"""The README's code runs as printed, and its headline model learns (issue 41)."""

import os
import re

import pytest

from tests.conftest import REPO


def python_blocks(path):
    with open(os.path.join(REPO, path)) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


def quickstart():
    blocks = [b for b in python_blocks("README.md") if "BetaVAE(latent_dim=10)" in b]
    assert len(blocks) == 1, "the README has one quickstart block"
    return blocks[0]


def test_every_readme_python_block_is_the_quickstart():
    # a new block must get its own test here
    assert python_blocks("README.md") == [quickstart()]


def test_the_quickstart_runs_as_printed_at_a_tiny_size(tmp_path, monkeypatch, capsys):
    code = quickstart().replace("num_batches=300", "num_batches=2").replace("images(500", "images(16")
    assert code != quickstart()
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "beta_vae.keras").is_file()
    assert capsys.readouterr().out.strip().splitlines()[-1].isdigit()  # the active units


@pytest.mark.tf_only  # full size: about a minute on TensorFlow, the fastest backend for it here
def test_the_quickstart_model_learns(tmp_path, monkeypatch):
    import warnings

    import keras

    from keras_vi import metrics

    monkeypatch.chdir(tmp_path)
    keras.utils.set_random_seed(0)
    scope = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", metrics.PosteriorCollapseWarning)
        exec(compile(quickstart(), "README.md", "exec"), scope)
    active = metrics.active_units(scope["model"], scope["x"])
    assert active >= 5, f"the README's model keeps {active} of 10 units active"


def test_the_front_doors_stay_short():
    for path, limit in (("README.md", 150), (os.path.join("benchmarks", "README.md"), 200)):
        with open(os.path.join(REPO, path)) as f:
            assert len(f.read().splitlines()) <= limit, f"{path} is over {limit} lines"
