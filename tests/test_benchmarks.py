"""The benchmark harness on this backend: a smoke run (no timing asserted) and its NumPy reference."""

import json

import keras
import numpy as np
import pytest

from benchmarks import handwritten, report, run
from tests.conftest import BACKEND, to_numpy


def test_benchmark_harness_smoke(tmp_path):
    out = tmp_path / "RESULTS.md"
    assert run.main(["--smoke", "--backends", BACKEND, "--out", str(out)]) == 0
    # the goal row ran in two processes; the table shows one row with both ratios
    measured = [json.loads(line) for line in open(out.with_suffix(".jsonl"))][1:]
    assert [r["process"] for r in measured if r["kind"] == "train"] == [0, 1]
    (row,) = [line for line in out.read_text().splitlines() if line.startswith(f"| {BACKEND} | vae_mlp |")]
    ratios = [r["time_ratio_keras_vi_over_plain_keras"] for r in measured if r["kind"] == "train"]
    assert row.endswith(" | " + ", ".join(f"{x:.2f}" for x in ratios) + " |")
    text = out.read_text()
    assert f"| {BACKEND} | vae_mlp | auto | `fit` | yes" in text  # the step-0 losses agree
    assert f"| {BACKEND} | 20 |" in text
    assert f"| {BACKEND} | 8x8 |" in text  # the ARVAE case, in the same report


def test_scaling_table_reads_its_rows():
    from benchmarks import scaling

    rows = [{"backend": "jax", "policy": "float32", "batch_size": 128, "data_parallel_devices": 2,
             "virtual_devices": 2, "examples_per_s": 1234.5, "epoch_s_min_max": [0.1, 0.2],
             "stalled_attempts": 1},
            {"backend": "jax", "flags": ["--devices", "2"], "stalled_attempts": 3, "examples_per_s": None}]
    lines = scaling.table(rows)
    assert lines[2] == "| jax | float32 | 128 | 2 / 2 | 1,234 (1 stalled attempt(s) before) | 0.100-0.200 |"
    assert "all 3 attempts stalled" in lines[3]


def test_scaling_harness_smoke():
    """One measurement of benchmarks/scaling.py in this process, at a tiny size."""
    from benchmarks import scaling

    args = type("Args", (), {"policy": "float32", "devices": 0, "batch_size": 8, "steps": 2,
                             "repeats": 1, "data_dir": "/nonexistent"})()
    row = scaling.measure(args)
    assert row["backend"] == BACKEND and row["finite"] and row["examples_per_s"] > 0


@pytest.mark.parametrize("size", [6, 5])
def test_numpy_reference_convolutions_match_keras(size):
    """The tap-by-tap float64 convolutions of the step-0 check against Keras' layers."""
    rng = np.random.default_rng(size)
    x = rng.normal(size=(2, size, size, 2)).astype("float32")
    for stride in (1, 2):
        conv = keras.layers.Conv2D(3, 3, strides=stride, padding="same")
        expected = to_numpy(conv(x))
        kernel, bias = [w.astype("float64") for w in conv.get_weights()]
        got = handwritten._NumpyOps.conv(x.astype("float64"), kernel, bias, stride)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    transpose = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same")
    expected = to_numpy(transpose(x))
    kernel, bias = [w.astype("float64") for w in transpose.get_weights()]
    got = handwritten._NumpyOps.conv_transpose(x.astype("float64"), kernel, bias, 2)
    assert got.shape == expected.shape == (2, 2 * size, 2 * size, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_growth_benchmark_smoke_and_its_table():
    from benchmarks import growth

    result = growth.main(["--arch", "mlp", "--batch-size", "4", "--latent-dim", "2", "--image-size", "4",
                          "--steps", "2", "--repeats", "1"])
    assert result["finite"] and result["parameters"] == 16 * 512 + 512 + 512 * 256 + 256 + 2 * (256 * 2 + 2) + (
        2 * 256 + 256 + 256 * 512 + 512 + 512 * 16 + 16)
    assert result["peak_rss_mb"] >= result["rss_before_mb"] > 0
    lines = report.growth_lines([{"grows": "batch size", **result}])
    assert lines[-1].startswith(f"| batch size | {BACKEND} | mlp | 4 | 2 | 4x4 |")
    assert len(list(growth.grid_flags())) == 6 + 5 + 3
