"""The ARVAE card's recipe: assembling rows run apart, the paired difference, the card's table."""

import json
import os
import subprocess

import keras
import numpy as np
import pytest

from tests.conftest import interrupted_after, load_script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def recipe():
    return load_script("zoo", "ar_vae", "recipe.py")


def _write_row(folder, slug, row, log_px, **extra):
    result = {"row": row, "epochs": 3, "epochs_run": 3, "train_examples": 10, "test_examples": len(log_px),
              "train_seconds": 1.0, "nll": -float(np.mean(log_px)), "nll_se": 0.5, "log_px": log_px,
              "training_kl_per_epoch": [1.0, 0.5, 0.25], **extra}
    with open(os.path.join(folder, f"{slug}.json"), "w") as f:
        json.dump(result, f)


def test_rows_run_apart_are_assembled_in_the_card_order_with_the_paired_difference(recipe, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    diagnostics = {"kl": 2.0, "active_units": 3, "mutual_information": 1.5}
    # written out of order, and a .training.json that must not count as a row
    _write_row(folder, "arvae_plain", "ARVAE plain", [-9.0, -12.0, -16.0], epochs_run=2, **diagnostics)
    _write_row(folder, "pixelcnn_alone", "PixelCNN alone", [-10.0, -12.0, -14.0])
    (folder / "arvae_plain.training.json").write_text("{}")
    block = recipe.assemble(str(tmp_path), "mnist")
    assert list(block["results"]) == ["PixelCNN alone", "ARVAE plain"]
    plain = block["results"]["ARVAE plain"]
    # per image, NLL(row) - NLL(PixelCNN) = (-1, 0, 2): mean 1/3, population s.d. sqrt(14/9)
    assert plain["nll_minus_pixelcnn"] == pytest.approx(1 / 3)
    assert plain["nll_minus_pixelcnn_se"] == pytest.approx(np.sqrt(14 / 9) / np.sqrt(3))
    assert "nll_minus_pixelcnn" not in block["results"]["PixelCNN alone"]
    # --against: the same pairing against any row, signs swapped against the other row
    assert recipe.differences(block, "pixelcnn_alone") == ["ARVAE plain − PixelCNN alone: +0.33 ± 0.72 nats"]
    assert recipe.differences(block, "arvae_plain") == ["PixelCNN alone − ARVAE plain: -0.33 ± 0.72 nats"]
    assert recipe.differences(block, "vae") == []

    lines = recipe.table({"mnist": block}, latent_dim=32).splitlines()
    assert lines[2].startswith("| mnist | PixelCNN alone | 3 | 12.00 ± 0.50 (exact) | — |")
    assert lines[3] == "| mnist | ARVAE plain | 2 | 12.33 ± 0.50 | +0.33 ± 0.72 | 2.00 | 3 / 32 | 1.50 | 1 |"


def test_the_cards_table_is_the_one_its_results_give(recipe, tmp_path):
    """zoo/ar_vae/README.md's table is what `--from-results` makes of the results kept beside it."""
    card = os.path.join(ROOT, "zoo", "ar_vae", "README.md")
    with open(card) as f:
        text = f.read()
    shown = text[text.index(recipe.BEGIN) + len(recipe.BEGIN):text.index(recipe.END)].strip()

    blocks = {}
    for name in recipe.DATASETS:
        block = recipe.assemble(os.path.join(ROOT, "zoo", "ar_vae"), name)
        if block is not None:
            blocks[name] = block
    assert blocks, "zoo/ar_vae holds no results_<dataset>.json"
    assert recipe.table(blocks, latent_dim=32) == shown


def test_parallel_starts_one_process_per_dataset_and_row(recipe, tmp_path, monkeypatch):
    started = []

    class Process:
        def __init__(self, command, **kwargs):
            started.append((command, kwargs["env"]))

        def wait(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", Process)
    recipe.main(["--data-dir", str(tmp_path), "--out", str(tmp_path / "out"), "--parallel", "--epochs-mnist", "7",
                 "--datasets", "mnist", "--rows", "vae", "arvae_plain", "--eval-examples", "5"])
    assert len(started) == 2
    for (command, env), slug in zip(started, ["vae", "arvae_plain"]):
        assert command[command.index("--rows") + 1:] == [slug]
        assert command[command.index("--datasets") + 1] == "mnist"
        assert command[command.index("--epochs-mnist") + 1] == "7"
        assert command[command.index("--eval-examples") + 1] == "5"
        assert command[command.index("--data-dir") + 1] == str(tmp_path)
        assert "--no-assemble" in command and "--parallel" not in command and "--card" not in command
        assert env["OMP_NUM_THREADS"]


def test_stop_after_ends_fit_after_the_epoch_that_passes_the_limit(recipe):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((4, 2), "float32")
    history = model.fit(x, x[:, :1], epochs=5, verbose=0, callbacks=[recipe.StopAfter(0.0)])
    assert len(history.history["loss"]) == 1
    history = model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[recipe.StopAfter(3600.0)])
    assert len(history.history["loss"]) == 3


def _tiny_row(recipe, tmp_path, **changes):
    import argparse

    import keras_vi

    args = argparse.Namespace(train_seconds=float("inf"), batch_size=8, verbose=0, resume=False, latent_dim=2,
                              decoder_layers=1, filters=4, free_bits=0.25, max_inner_steps=2, train_examples=None)
    for key, value in changes.items():
        setattr(args, key, value)
    x = (np.random.default_rng(0).uniform(size=(16, 4, 4)) > 0.5).astype("float32")
    build = lambda: keras_vi.zoo.ARVAE(latent_dim=2, decoder_layers=1, decoder_filters=4,  # noqa: E731
                                      aggressive=True, max_inner_steps=2, seed=0)
    return recipe.train_row(build, {}, x, 3, args, str(tmp_path / "row"))


def test_a_rows_kl_per_epoch_counts_its_aggressive_epochs(recipe, tmp_path):
    _, training = _tiny_row(recipe, tmp_path)
    assert training["epochs_run"] == 3 and 1 <= training["aggressive_epochs"] <= 3
    # the KL figure has a point for every epoch, the aggressive ones first
    assert len(training["training_kl_per_epoch"]) == 3
    assert all(kl >= 0 for kl in training["training_kl_per_epoch"])
    assert training["train_seconds"] > 0
    assert not (tmp_path / "row.backup").exists()  # removed once the training ended


def test_an_interrupted_row_continues_with_resume(recipe, tmp_path, monkeypatch):
    import keras

    _, whole = _tiny_row(recipe, tmp_path / "whole")
    with interrupted_after(monkeypatch, keras.callbacks.BackupAndRestore, "on_epoch_end"):  # the first epoch
        _tiny_row(recipe, tmp_path / "cut")
    with pytest.raises(SystemExit, match="--resume"):  # not overwritten unasked
        _tiny_row(recipe, tmp_path / "cut")
    with pytest.raises(SystemExit, match="max_inner_steps"):  # nor continued with other settings
        _tiny_row(recipe, tmp_path / "cut", resume=True, max_inner_steps=3)
    _, resumed = _tiny_row(recipe, tmp_path / "cut", resume=True)
    assert resumed["epochs_run"] == whole["epochs_run"] == 3
    assert resumed["aggressive_epochs"] == whole["aggressive_epochs"]
    np.testing.assert_allclose(resumed["training_kl_per_epoch"], whole["training_kl_per_epoch"], atol=2e-3)
    assert not (tmp_path / "cut" / "row.backup").exists()
