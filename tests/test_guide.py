"""Every code block of the user guide (docs/guide/) runs, at tiny sizes, on every backend."""

import os
import re

import pytest

from tests.conftest import REPO, SHARED_DATA

GUIDE = os.path.join(REPO, "docs", "guide")
NOT_RUN = "<!-- not run by the tests"
FASHION = os.path.join(SHARED_DATA, "fashion-mnist")
FSDD = os.path.join(SHARED_DATA, "fsdd")
MNIST = os.path.join(SHARED_DATA, "mnist")

# page -> (printed, run instead): the sizes the tests run; each must be in the page's code
TINY = {
    "models.md": [],
    "estimators_and_collapse.md": [("epochs=30", "epochs=1"), ("num_samples=5000", "num_samples=4"),
                                   ("epochs=15", "epochs=1"), ("decoder_layers=5", "decoder_layers=1"),
                                   ("num_samples=1000", "num_samples=2"), ("sample(16", "sample(2")],
    "flows.md": [("epochs=6", "epochs=1"), ("num_samples=16", "num_samples=2"), ("sample(16", "sample(2")],
    "disentanglement.md": [("num_batches=3000", "num_batches=2"), ("images(100)", "images(8)"),
                           ("RandomState(0))", "RandomState(0), num_train=64)")],
    "vq_vae.md": [('load("mnist", split="test")', f'load("mnist", split="test[:20]", data_dir={MNIST!r})'),
                  ('load("fashion_mnist")', f'load("fashion_mnist", split="train[:64]", data_dir={FASHION!r})'),
                  ('split="test")', f'split="test[:16]", data_dir={FASHION!r})'),
                  ("epochs=10", "epochs=1"), ("sample(16", "sample(2"),
                  ('load("spoken_digit", scale=False,',
                   f'load("spoken_digit", split="train[:16]", data_dir={FSDD!r}, scale=False,'),
                  ("embedding_dim=64", "embedding_dim=4"), ("num_embeddings=256", "num_embeddings=8"),
                  ("spatial_dims=1,", "spatial_dims=1, filters=[4] * 6,"),
                  ("prior_num_conditions=10)", "prior_num_conditions=10, prior_filters=8)"),
                  ("num_frames=8, size=64", "num_frames=4, size=32"), ("range(2000)", "range(8)")],
}


# every page: the bundled digits cut to a few batches
SMALL_DATA = [('load("digits")', 'load("digits", split="train[:64]")'),
              ('load("digits", scale=False)', 'load("digits", split="train[:64]", scale=False)'),
              ('load("digits", binarize="static")', 'load("digits", split="train[:64]", binarize="static")'),
              ('load("digits", split="test",', 'load("digits", split="test[:16]",')]


def page_code(name):
    """The page's python blocks, in order, but those marked as not run."""
    with open(os.path.join(GUIDE, name)) as f:
        text = f.read()
    blocks = re.findall(r"(<!--[^\n]*-->\n)?```python\n(.*?)```", text, flags=re.S)
    return "\n".join(code for mark, code in blocks if not mark.startswith(NOT_RUN))


def test_every_page_with_code_is_listed():
    pages = {name for name in os.listdir(GUIDE) if name.endswith(".md") and page_code(name)}
    assert pages == set(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_guide_page_runs(name, tmp_path, monkeypatch):
    if name == "vq_vae.md" and not os.path.isdir(FASHION):
        pytest.skip(f"no Fashion-MNIST at {FASHION}")
    code = page_code(name)
    for printed, tiny in TINY[name]:
        assert printed in code, f"{name} no longer says {printed!r}: update TINY"
        code = code.replace(printed, tiny)
    for printed, small in SMALL_DATA:
        code = code.replace(printed, small)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, name, "exec"), {})
