"""zoo/write_card.py: a card's table says when, on which backend and machine each row was
measured, and the runs' raw results are copied beside the card."""

import json
import os
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, "zoo"))
import write_card  # noqa: E402

pytestmark = pytest.mark.numpy_only


def _run(directory, **fields):
    os.makedirs(directory)
    metrics = {"model": "vae", "backend": "jax", "model_config": {}, "training": {"epochs": 3},
               "train_seconds": 12.3, "test": {"elbo": -90.123, "kl": 20.0}, **fields}
    with open(os.path.join(directory, "metrics.json"), "w") as f:
        json.dump(metrics, f)
    with open(os.path.join(directory, "train.log"), "w") as f:
        f.write("Epoch 1/3\n")
    with open(os.path.join(directory, "model.weights.h5"), "wb") as f:
        f.write(b"\0" * 10)
    return str(directory)


def test_rows_say_when_and_where_and_raw_results_are_copied(tmp_path):
    card = tmp_path / "card" / "README.md"
    card.parent.mkdir()
    card.write_text(f"# Card\n\n{write_card.BEGIN}\nold table\n{write_card.END}\n\nText after.\n")
    new = _run(tmp_path / "runs" / "new_run", date="2026-12-07", machine="AMD EPYC, 2 cores")
    old = _run(tmp_path / "runs" / "old_run")  # a metrics.json from before these fields
    write_card.main([str(card), new, old])
    text = card.read_text()
    assert "old table" not in text and text.endswith("Text after.\n")
    lines = text.splitlines()
    assert "| measured (date, backend, machine) |" in lines[3]
    assert lines[5].startswith("| `new_run` | 2026-12-07, jax, AMD EPYC, 2 cores | 3 | 12 | -90.12 | n/a | 20.00 | n/a |")
    assert lines[6].startswith("| `old_run` | not recorded, jax, not recorded |")
    for run in ("new_run", "old_run"):
        copied = sorted(os.listdir(card.parent / "results" / run))
        assert copied == ["metrics.json", "train.log"], copied  # the weights stay out


def test_an_evaluation_dates_the_row_it_measured():
    train = {"date": "2026-12-01", "backend": "tensorflow", "machine": "A"}
    evaluation = {"date": "2026-12-07", "backend": "jax", "machine": "B"}
    assert write_card.measured(train, evaluation) == "2026-12-07, jax, B"
    assert write_card.measured(train, {"backend": "jax"}) == "2026-12-01, jax, A"


def test_raw_elsewhere_writes_the_table_and_copies_nothing(tmp_path):
    card = tmp_path / "README.md"
    card.write_text(f"{write_card.BEGIN}\n{write_card.END}\n")
    write_card.main(["--raw-elsewhere", str(card), _run(tmp_path / "run", date="2026-12-07")])
    assert "| `run` | 2026-12-07, jax, not recorded |" in card.read_text()
    assert not (tmp_path / "results").exists()
