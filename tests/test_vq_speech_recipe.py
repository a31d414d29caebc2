"""The VQ-VAE card's speech recipe at a tiny size: both representations, one judge, the card's table."""

import json
import os
import sys

import numpy as np
import pytest

from tests.conftest import SHARED_DATA, load_script

FSDD = os.path.join(SHARED_DATA, "fsdd")


# one backend: the recipe's Keras code is the VQ-VAE's, tested on every backend elsewhere
@pytest.mark.tf_only
@pytest.mark.skipif(not os.path.isdir(FSDD), reason=f"no FSDD at {FSDD}")
def test_both_representations_are_judged_by_one_classifier_and_tabled(tmp_path, monkeypatch):
    speech = load_script("zoo", "vq_vae", "speech.py")
    tiny = ["--data-dir", SHARED_DATA, "--epochs", "1", "--prior-epochs", "1", "--classifier-epochs", "1",
            "--train-limit", "32", "--samples-per-digit", "1", "--length", "1024", "--num-embeddings", "8",
            "--embedding-dim", "4"]
    runs = {"mu_law": tmp_path / "mu_law", "log_spectrogram": tmp_path / "spectrogram"}
    for representation, out in runs.items():
        judge = ["--classifier", str(runs["mu_law"] / "classifier.keras")] if representation != "mu_law" else []
        monkeypatch.setattr(sys, "argv", ["speech.py", *tiny, "--out", str(out), "--representation", representation,
                                          "--filters", "8", "8", *judge])
        speech.main()
    assert not (runs["log_spectrogram"] / "classifier.keras").exists()  # judged by the first run's
    results = [json.loads((out / "results.json").read_text()) for out in runs.values()]
    assert [r["model"]["representation"] for r in results] == ["mu_law", "log_spectrogram"]
    # the same judge scores the same original recordings the same
    assert results[0]["test"]["classifier_accuracy_originals"] == results[1]["test"]["classifier_accuracy_originals"]
    # codes per second: 8,000 samples / 4 for the waveform; 8,000 / 64 (the STFT's hop) / 4 for the spectrogram
    assert [r["test"]["codes_per_second"] for r in results] == [2000.0, 31.25]
    for out in runs.values():
        assert {"reconstruction_0.wav", "sample_0.wav", "spectrograms.png"} <= set(os.listdir(out / "media"))
    assert np.isfinite([r["test"]["lsd_db_mean"] for r in results]).all()
    table = load_script("zoo", "vq_vae", "write_sections.py").speech_table(results)
    header = table.splitlines()[0]
    assert "μ-law waveform" in header and "log spectrogram, Gaussian; Griffin-Lim" in header
    assert "| codes per second; kbit/s at log2 K bits each | 2000; 6.00 | 31.25; 0.09 |" in table
