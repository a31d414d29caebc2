"""Presets: keras-hub's layout, the round trip on every backend, the handles and every error."""

import json
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest

from keras_vi import zoo
from keras_vi.zoo import presets
from tests.conftest import BACKEND, REPO, to_numpy

X = (np.random.default_rng(0).uniform(size=(32, 12)) > 0.5).astype("float32")


@pytest.fixture
def preset(tmp_path):
    model = zoo.VAE(latent_dim=2, hidden_units=[8], seed=0)
    model.fit(X, epochs=1, verbose=0)
    directory = str(tmp_path / "vae_tiny")
    model.save_to_preset(directory, description="a tiny VAE", dataset="random bits")
    return model, directory


def test_round_trip_in_keras_hubs_layout(preset):
    model, directory = preset
    assert sorted(os.listdir(directory)) == ["config.json", "metadata.json", "model.weights.h5"]
    meta = json.load(open(os.path.join(directory, "metadata.json")))
    assert meta["class_name"] == "VAE" and meta["description"] == "a tiny VAE"
    assert meta["parameter_count"] == model.count_params() and set(meta["sha256"]) == {"config.json", "model.weights.h5"}
    assert "keras.src" not in open(os.path.join(directory, "config.json")).read()  # public names only
    for loaded in (zoo.VAE.from_preset(directory), zoo.load_preset(directory), zoo.LatentVariableModel.from_preset(directory)):
        assert type(loaded) is zoo.VAE
        np.testing.assert_allclose(to_numpy(loaded.reconstruct(X[:4])), to_numpy(model.reconstruct(X[:4])), rtol=1e-6)


def test_another_backend_loads_it(preset, tmp_path):
    model, directory = preset
    other = "torch" if BACKEND != "torch" else "jax"
    code = ("import numpy as np, keras; from keras_vi import zoo; "
            f"m = zoo.load_preset({directory!r}); "
            f"np.save({str(tmp_path / 'out.npy')!r}, keras.ops.convert_to_numpy(m.reconstruct(np.load({str(tmp_path / 'x.npy')!r}))))")
    np.save(tmp_path / "x.npy", X[:4])
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "KERAS_BACKEND": other},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), to_numpy(model.reconstruct(X[:4])), rtol=1e-5, atol=1e-6)


def test_errors_name_what_is_wrong(preset, tmp_path):
    _, directory = preset
    with pytest.raises(ValueError, match="neither a bundled preset"):
        zoo.VAE.from_preset("no_such_preset")
    with pytest.raises(ValueError, match="is a VAE preset, not a VQVAE"):
        zoo.VQVAE.from_preset(directory)
    weights = os.path.join(directory, "model.weights.h5")
    with open(weights, "ab") as f:
        f.write(b"x")
    with pytest.raises(ValueError, match=r"model.weights.h5 has sha256 [0-9a-f]{64}, its metadata says [0-9a-f]{64}"):
        zoo.VAE.from_preset(directory)


def test_a_class_from_outside_keras_and_keras_vi_is_refused(preset):
    _, directory = preset
    path = os.path.join(directory, "config.json")
    config = json.load(open(path))
    config["config"]["encoder"] = {"module": "os", "class_name": "system", "config": {}, "registered_name": None}
    json.dump(config, open(path, "w"))
    meta_path = os.path.join(directory, "metadata.json")
    meta = json.load(open(meta_path))
    meta["sha256"]["config.json"] = presets._sha256(path)  # a consistent, malicious preset
    json.dump(meta, open(meta_path, "w"))
    with pytest.raises(ValueError, match="class 'system' from module 'os'"):
        zoo.load_preset(directory)


def test_hf_and_kaggle_handles_through_their_libraries(preset, monkeypatch):
    model, directory = preset
    calls = []
    hub = types.SimpleNamespace(
        snapshot_download=lambda repo_id: calls.append(("hf", repo_id)) or directory,
        create_repo=lambda repo, exist_ok: calls.append(("create", repo)),
        upload_folder=lambda repo_id, folder_path: calls.append(("upload", repo_id, folder_path)))
    kaggle = types.SimpleNamespace(
        model_download=lambda handle: calls.append(("kaggle", handle)) or directory,
        model_upload=lambda handle, folder: calls.append(("kaggle_upload", handle, folder)))
    monkeypatch.setitem(sys.modules, "huggingface_hub", hub)
    monkeypatch.setitem(sys.modules, "kagglehub", kaggle)
    for handle in ("hf://someone/vae-tiny", "kaggle://someone/vae/keras/tiny"):
        loaded = zoo.VAE.from_preset(handle)
        np.testing.assert_allclose(to_numpy(loaded.reconstruct(X[:2])), to_numpy(model.reconstruct(X[:2])), rtol=1e-6)
    zoo.upload_preset("hf://someone/vae-tiny", directory)
    zoo.upload_preset("kaggle://someone/vae/keras/tiny", directory)
    assert calls == [("hf", "someone/vae-tiny"), ("kaggle", "someone/vae/keras/tiny"),
                     ("create", "someone/vae-tiny"), ("upload", "someone/vae-tiny", directory),
                     ("kaggle_upload", "someone/vae/keras/tiny", directory)]
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(ValueError, match="install huggingface_hub"):
        zoo.VAE.from_preset("hf://someone/vae-tiny")
    with pytest.raises(ValueError, match="hf:// or kaggle://"):
        zoo.upload_preset("s3://bucket", directory)


def test_every_bundled_preset_loads_samples_and_encodes():
    bundled = presets.bundled_presets()
    assert "vae_binarized_mnist" in bundled and zoo.VAE.presets.keys() >= {"vae_binarized_mnist"}
    # filtered by class: a VQ-VAE preset is not a VAE's, nor the reverse
    assert set(zoo.VQVAE.presets) == {n for n, m in bundled.items() if m["class_name"] == "VQVAE"} != set()
    assert not set(zoo.VQVAE.presets) & set(zoo.VAE.presets)
    for name, meta in bundled.items():
        assert "keras.src" not in open(os.path.join(presets.BUNDLED, name, "config.json")).read()
        model = zoo.load_preset(name)
        assert type(model).__name__ == meta["class_name"] and model.count_params() == meta["parameter_count"]
        # an ARVAE draws its 784 pixels one compiled step at a time (this preset: about 65 s on
        # PyTorch, 2026-12-07), so its draw runs on TensorFlow (its sampling on every backend is
        # tests/test_ar_vae.py's, at a small size); its encoder runs on every backend below
        if meta["class_name"] != "ARVAE" or BACKEND == "tensorflow":
            images = to_numpy(model.sample(4, seed=0))
            assert images.shape[0] == 4 and np.isfinite(images).all()
        if hasattr(model, "latent_dim"):  # a flow has no encoder
            mean, _ = model.encode(np.zeros((2, *model.data_shape), "float32"))
            assert to_numpy(mean).shape == (2, model.latent_dim)


@pytest.mark.numpy_only
def test_the_wheel_carries_the_bundled_presets_within_budget(tmp_path):
    # `python -m build` as a release would run it (no isolation: offline, the installed setuptools)
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), REPO],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("keras_vi-*.whl")
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for name in presets.bundled_presets():
        assert {f"keras_vi/presets/{name}/{f}" for f in ("config.json", "metadata.json", "model.weights.h5")} <= set(names)
    assert wheel.stat().st_size <= 30 * 2**20, f"the wheel is {wheel.stat().st_size / 2**20:.1f} MiB, over 30"


def test_bundled_presets_fit_the_wheel_budget():
    total = sum(os.path.getsize(os.path.join(folder, name))
                for folder, _, names in os.walk(presets.BUNDLED) for name in names)
    assert total <= 30 * 2**20, f"bundled presets take {total / 2**20:.1f} MiB, over 30"


# the data each bundled preset's evaluation reads, under the shared data (None: drawn on demand)
PRESET_DATA = {"binarized_mnist": "binarized-mnist", "mnist": "mnist", "fashion_mnist": "fashion-mnist", "dsprites": None}


def test_cli_lists_presets_and_measures_each_against_its_metadata(capsys):
    from keras_vi.cli.main import main
    from tests.conftest import SHARED_DATA

    assert main(["presets"]) == 0
    listing = capsys.readouterr().out
    assert "| vae_binarized_mnist | VAE | binarized_mnist | test_nll_nats_L5000 = " in listing
    measured = []
    for name, meta in presets.bundled_presets().items():
        evaluation = meta["evaluation"]
        assert f"| {name} | {meta['class_name']} | {evaluation['dataset']} | {evaluation['metric']} = " in listing
        folder = PRESET_DATA[evaluation["dataset"]]  # a new dataset must be added above
        if folder is not None and not os.path.isdir(os.path.join(SHARED_DATA, folder)):
            continue
        # every 50th image of its test split (binarized MNIST's is sorted by digit); k at most
        # 100: a bound as tight as the metadata's, or looser by a little (slack)
        base, start, stop = re.fullmatch(r"(\w+)(?:\[(\d*):(\d*)\])?", evaluation["split"]).groups()
        command = ["evaluate", "--preset", name, "--data-dir", SHARED_DATA, "--split", f"{base}[{start or ''}:{stop or ''}:50]"]
        k = evaluation.get("num_samples")  # None: an exact metric
        if k:
            command += ["--num-samples", str(min(k, 100))]
        assert main(command) == 0
        result = json.loads(capsys.readouterr().out)
        expected, got = result["metadata"][evaluation["metric"]], result["measured"][evaluation["metric"]]
        per_nat = result["bits_per_dim"] / result["nll_nats"] if evaluation.get("summary_key") == "bits_per_dim" else 1.0
        slack = 0.5 * per_nat if k and k > 100 else 0.0
        assert abs(got - expected) < 3 * result["measured"]["standard_error"] + slack, (
            name, got, expected, result["measured"]["standard_error"])
        measured.append(name)
    assert measured, "no bundled preset's data is here"


RUNS = {  # a tiny run of each kind of evaluation: an importance-sampled bound, an exact prior NLL
    "real_nvp": (["--raw", "--num-scales", "2", "--num-steps", "1", "--filters", "8"], "bits_per_dim",
                 "test_bits_per_dim_L4"),
    "vq_vae": (["--binarize", "static", "--num-embeddings", "8", "--embedding-dim", "4", "--prior-epochs", "1"],
               "prior_nll_nats_per_image", "test_prior_nll_nats_per_image"),
}


# the VQ-VAE's run on TensorFlow only: the CLI's preset logic is the same on every backend, and
# the VQ-VAE's evaluation on each backend is tested by the bundled preset's below
@pytest.mark.parametrize("model", ["real_nvp", pytest.param("vq_vae", marks=pytest.mark.tf_only)])
def test_a_cli_run_becomes_a_preset_that_evaluates_to_its_metadata(model, tmp_path, capsys):
    from types import SimpleNamespace

    from keras_vi.cli.main import main
    from keras_vi.cli.presets import save_run_as_preset

    options, key, metric = RUNS[model]
    run, directory = tmp_path / "run", tmp_path / "preset"
    assert main(["train", model, "--dataset", "digits", "--epochs", "1", "--batch-size", "256", "--out", str(run),
                 "--verbose", "0", *options]) == 0
    with pytest.raises(FileNotFoundError, match="evaluation.json is missing; run `keras-vi evaluate"):
        save_run_as_preset(SimpleNamespace(run_dir=str(run), directory=str(directory)))
    assert main(["evaluate", str(run), "--num-samples", "4"]) == 0
    evaluation = json.loads((run / "evaluation.json").read_text())
    with pytest.raises(SystemExit):  # argparse: not a metric it knows
        main(["save-preset", str(run), str(directory), "--metric", "elbo", "--description", "d"])
    other = "nll_nats" if model == "vq_vae" else "prior_nll_nats_per_image"  # not in this evaluation
    capsys.readouterr()
    assert main(["save-preset", str(run), str(directory), "--metric", other, "--description", "d"]) == 2
    assert f"`metric` '{other}' is not in" in capsys.readouterr().err and not directory.exists()
    capsys.readouterr()
    assert main(["save-preset", str(run), str(directory), "--metric", key,
                 "--description", f"a tiny {model}", "--recipe", "this test"]) == 0
    meta = json.loads((directory / "metadata.json").read_text())
    assert meta["class_name"] == {"real_nvp": "RealNVP", "vq_vae": "VQVAE"}[model] and meta["recipe"] == "this test"
    assert meta["metrics"][metric] == round(evaluation[key], 4) and meta["metrics"]["test_standard_error"] >= 0
    expected = {"dataset": "digits", "split": "test", "raw": model == "real_nvp",
                "binarize": "static" if model == "vq_vae" else None, "seed": 1, "flatten": False,
                "metric": metric, "summary_key": key}
    assert meta["evaluation"] == {**expected, **({"num_samples": 4} if model == "real_nvp" else {})}
    capsys.readouterr()
    # the same data, k and seed on the same backend: the same number
    assert main(["evaluate", "--preset", str(directory), "--num-samples", "4"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["num_examples"] == 360
    assert abs(result["measured"][metric] - evaluation[key]) < 1e-4


def test_preset_data_draws_dsprites_again():
    from keras_vi import datasets
    from keras_vi.cli.evaluate import preset_data

    entry = {"dataset": "dsprites", "split": "test", "num_examples": 10, "seed": 3}
    expected = datasets.DSprites().sample(10, np.random.RandomState(3))[1]
    np.testing.assert_array_equal(preset_data(entry), expected)
    np.testing.assert_array_equal(preset_data(entry, split="test[:4]"), expected[:4])
