"""The benchmark harness on this backend: a smoke run (no timing asserted) and its NumPy reference."""

import importlib.util
import json

import keras
import numpy as np
import pytest

from benchmarks import handwritten, run
from tests.conftest import BACKEND, to_numpy


def test_benchmark_harness_smoke(tmp_path):
    out = tmp_path / "RESULTS.md"
    assert run.main(["--smoke", "--backends", BACKEND, "--out", str(out)]) == 0
    text = out.read_text()
    assert f"| {BACKEND} | vae_mlp | auto | `fit` | yes" in text  # the step-0 losses agree
    assert f"| {BACKEND} | 20 |" in text


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


def test_ar_vae_benchmark_smoke(capsys):
    from benchmarks import ar_vae

    ar_vae.main(["--examples", "32", "--epochs", "2", "--image-size", "4", "--decoder-layers", "1",
                 "--sample-sizes", "2"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["train_examples_per_s"] > 0 and result["sample_2_images_per_s"] > 0


def test_conv_transpose_benchmark_smoke(capsys):
    from benchmarks import conv_transpose

    conv_transpose.main(["--batch-size", "2", "--repeats", "1"])
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [row["case"] for row in rows] == [case[0] for case in conv_transpose.CASES]
    assert all(row["transpose_ms"] > 0 and row["sub_pixel_ms"] > 0 for row in rows)


def test_conv_head_benchmark_smoke(capsys):
    from benchmarks import conv_head

    conv_head.main(["--batch-size", "2", "--repeats", "1"])
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [row["case"] for row in rows] == [case[0] for case in conv_head.CASES]
    assert all(row["conv_ms"] > 0 and row["shifted_sum_ms"] > 0 for row in rows)
    # "auto" as the layer decides it: the shifted sum only on JAX, only up to 3 filters from 32 channels
    assert [row["auto"] == "shifted_sum" for row in rows] == [
        BACKEND == "jax" and row["filters"] * 9 <= row["input"][-1] for row in rows]


@pytest.mark.tf_only
def test_tf_fit_steadiness_repro_smoke():
    from benchmarks import tf_fit_steadiness

    for variant in ("fit_arrays", "fit_dataset_private_thread"):
        result = tf_fit_steadiness.run(variant, epochs=2)
        assert result["variant"] == variant and result["epochs"] == 1 and result["median"] > 0


@pytest.mark.torch_only
def test_torch_step_benchmark_smoke(capsys):
    from benchmarks import torch_step

    result = torch_step.main(["--steps", "1", "--repeats", "1"])
    names = list(result["train_step_ms"])
    assert len(names[:6]) == 6 and names[5].endswith("(keras_vi now)") and len(result["adam_update_ms"]) == 5
    has_pythae = importlib.util.find_spec("pythae") is not None  # installed by make bench only
    assert len(names) == 6 + has_pythae and all(t["median"] > 0 for t in result["train_step_ms"].values())
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == result


@pytest.mark.torch_only
def test_torch_gap_benchmark_smoke(capsys):
    from benchmarks import torch_gap

    result = torch_gap.main(["--steps", "2", "--repeats", "1"])
    has_pythae = importlib.util.find_spec("pythae") is not None  # installed by make bench only
    assert len(result["blocks_ms_per_step"]) == 3 + has_pythae and "keras_vi fit epoch" in result["blocks_ms_per_step"]
    assert all(t["median"] > 0 for t in result["blocks_ms_per_step"].values())
    assert len(result["parts_us"]) == 19 and all(us > 0 for us in result["parts_us"].values())
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == result


def test_first_fit_benchmark_smoke(capsys):
    from benchmarks import first_fit

    result = first_fit.main(["--model", "vae_mlp", "--repeats", "1", "--image-size", "4"])
    assert result["backend"] == BACKEND and len(result["first_fit_s"]) == 2
    assert all(t["median"] > 0 for t in result["first_fit_s"].values())
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == result


def test_growth_benchmark_smoke_and_its_table():
    from benchmarks import growth

    result = growth.main(["--arch", "mlp", "--batch-size", "4", "--latent-dim", "2", "--image-size", "4",
                          "--steps", "2", "--repeats", "1"])
    assert result["finite"] and result["parameters"] == 16 * 512 + 512 + 512 * 256 + 256 + 2 * (256 * 2 + 2) + (
        2 * 256 + 256 + 256 * 512 + 512 + 512 * 16 + 16)
    assert result["peak_rss_mb"] >= result["rss_before_mb"] > 0
    lines = run.growth_lines([{"grows": "batch size", **result}])
    assert lines[-1].startswith(f"| batch size | {BACKEND} | mlp | 4 | 2 | 4x4 |")
    assert len(list(growth.grid_flags())) == 6 + 5 + 3
