import inspect
import json
import os
import re
import subprocess
import sys

import pytest

from keras_vi.cli.main import main
from tests.conftest import BACKEND, REPO, SHARED_DATA

# One train run goes through a real `keras-vi` process (the clean terminal, --backend
# switching); the others call the same `main` in this process, which saves a start-up.


def keras_vi_cli(*args, env_backend=BACKEND):
    env = {**os.environ, "KERAS_BACKEND": env_backend}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user runs it
    return subprocess.run(
        [sys.executable, "-m", "keras_vi", *args], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=300,
    )


def test_train_smoke_run_writes_everything(tmp_path):
    out = tmp_path / "run"
    result = keras_vi_cli("train", "iwae", "--dataset", "digits", "--epochs", "1", "--latent-dim", "2",
                          "--num-samples", "3", "--batch-size", "256", "--out", str(out),
                          "--backend", BACKEND, "--verbose", "0", "--tensorboard", str(out / "tb"),
                          # another backend in the environment: --backend must win
                          env_backend={"tensorflow": "jax"}.get(BACKEND, "tensorflow"))
    assert result.returncode == 0, result.stderr[-3000:]
    # TensorFlow's C++ start-up notes may show (keras_vi hides no file descriptor), but no error
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    for name in ("samples.png", "reconstructions.png", "history.png", "metrics.json", "model.keras"):
        assert (out / name).stat().st_size > 0, name
    events = list((out / "tb").glob("events.out.tfevents.*"))
    assert len(events) == 1 and events[0].stat().st_size > 1000, events  # two PNG grids at least
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["backend"] == BACKEND and metrics["model"] == "iwae"
    assert metrics["model_config"]["num_samples"] == 3 and metrics["model_config"]["latent_dim"] == 2
    assert metrics["training"]["epochs"] == 1 and metrics["data"]["dataset"] == "digits"
    assert set(metrics["test"]) == {"loss", "reconstruction", "kl", "elbo", "iwae_bound"}
    assert metrics["num_train_examples"] == 1437 and metrics["num_test_examples"] == 360
    # when and where: the record a results card's row cites
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", metrics["date"]) and metrics["machine"].endswith(" cores")
    # evaluate in this process (the train run above is the one that needs its own)
    assert main(["evaluate", str(out), "--num-samples", "20", "--backend", BACKEND]) == 0
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["num_examples"] == 360 and evaluation["num_samples"] == 20
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", evaluation["date"]) and evaluation["machine"] == metrics["machine"]
    assert evaluation["nll_nats"] > 0 and 0 <= evaluation["active_units"] <= 2
    assert abs(evaluation["bits_per_dim"] - evaluation["nll_nats"] / (64 * 0.6931471805599453)) < 1e-9
    # L_20 is a better bound than the one-sample ELBO, up to Monte Carlo noise
    assert -evaluation["nll_nats"] > evaluation["elbo"] - 0.5
    assert "cross-entropies" in evaluation["note"]  # grey-level digits are not binary
    if BACKEND == "torch":
        assert metrics["saved_model"] is None and "KERAS_BACKEND=tensorflow" in metrics["saved_model_note"]
    else:
        assert (out / "saved_model" / "saved_model.pb").exists()


def test_bad_arguments_exit_with_a_message(tmp_path, capsys):
    # in this process: the messages are the point (the smoke run above checks the exit of a real one)
    import pytest

    with pytest.raises(SystemExit) as exit_:
        main(["train", "vae", "--latent-dim", "0", "--out", str(tmp_path), "--backend", BACKEND])
    assert exit_.value.code == 2 and "argument --latent-dim: must be >= 1, got 0" in capsys.readouterr().err
    code = main(["train", "vae", "--dataset", "mnist", "--data-dir", str(tmp_path / "nowhere"),
                 "--out", str(tmp_path / "run"), "--backend", BACKEND])
    assert code == 2 and "`data_dir`" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # nothing written for a run that could not start
    assert main(["evaluate", str(tmp_path / "no_run")]) == 2
    assert "`run_dir`" in capsys.readouterr().err


def test_cli_choices_come_from_the_registries():
    from keras_vi import likelihoods, priors, zoo
    from keras_vi.cli import main as cli
    from keras_vi.cli import train as cli_train

    parser = cli.build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    choices = {a.dest: a.choices for a in train._actions}
    assert tuple(choices["model"]) == tuple(zoo.MODELS)
    assert tuple(choices["likelihood"]) == tuple(likelihoods.LIKELIHOODS)
    assert tuple(choices["prior"]) == tuple(priors.PRIORS)
    from keras_vi.cli.models import AFTER_FIT, CONSTRUCTOR_OPTIONS

    assert set(CONSTRUCTOR_OPTIONS) == set(zoo.MODELS)
    for name, cls in zoo.MODELS.items():
        options = CONSTRUCTOR_OPTIONS[name] + AFTER_FIT.get(name, (None, ()))[1]
        for option in options:
            assert option in cli.MODEL_OPTIONS or option == "seed", (name, option)
        # every constructor option is a parameter of the class's constructor or of a base it forwards to
        parameters = set()
        for klass in cls.__mro__:
            if "__init__" in vars(klass):
                signature = inspect.signature(klass.__init__)
                parameters |= set(signature.parameters)
                if not any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
                    break
        assert set(CONSTRUCTOR_OPTIONS[name]) <= parameters, (name, set(CONSTRUCTOR_OPTIONS[name]) - parameters)
    # and no model carries CLI attributes
    assert not [a for cls in zoo.MODELS.values() for a in dir(cls) if a.startswith("cli_") or a in (
        "extra_results", "exports_saved_model")]


def test_options_a_model_does_not_take_are_rejected_alike():
    import pytest

    from keras_vi import zoo
    from keras_vi.cli import main as cli
    from keras_vi.cli import train as cli_train

    def parse(*argv):
        return cli.build_parser().parse_args(["train", *argv, "--out", "x"])

    for name, flag, value in (("iwae", "--beta", "2"), ("vae", "--num-embeddings", "8"),
                              ("vq_vae", "--latent-dim", "3"), ("beta_vae", "--prior-epochs", "2")):
        args = parse(name, flag, value)
        with pytest.raises(ValueError, match=f"{flag} does not apply to {name}; it takes"):
            cli_train.model_options(zoo.get(name), name, args)
    kwargs, fit = cli_train.model_options(zoo.VQVAE, "vq_vae", parse("vq_vae", "--prior-epochs", "2", "--seed", "4"))
    assert kwargs == {"seed": 4} and fit == {"prior_epochs": 2}
    kwargs, _ = cli_train.model_options(zoo.VAE, "vae", parse("vae", "--prior", "mixture_of_gaussians"))
    assert kwargs == {"prior": "mixture_of_gaussians", "latent_dim": 10, "seed": 0}
    zoo.VAE(**kwargs)  # what the CLI builds is a valid model


def test_train_a_flow_with_variational_dequantization(tmp_path):
    out = tmp_path / "flow"
    assert main(["train", "real_nvp", "--dataset", "digits", "--raw", "--epochs", "1",
                 "--dequantization", "variational", "--num-scales", "2", "--num-steps", "1",
                 "--filters", "8", "--batch-size", "256", "--out", str(out), "--backend", BACKEND,
                 "--verbose", "0"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["test"]) == {"loss", "bits_per_dim"} and metrics["data_dims"] == 64
    assert metrics["model_config"]["dequantization"] == "variational" and metrics["num_params"] > 0
    assert (out / "samples.png").exists() and not (out / "reconstructions.png").exists()
    # `keras-vi evaluate` on a flow: tests/test_real_nvp.py checks its summary in-process


def test_train_an_ar_vae(tmp_path):
    out = tmp_path / "ar"
    assert main(["train", "ar_vae", "--dataset", "digits", "--binarize", "static", "--epochs", "1",
                 "--latent-dim", "2", "--decoder-layers", "1", "--decoder-filters", "4",
                 "--first-kernel-size", "3", "--free-bits", "0.1", "--batch-size", "256",
                 "--out", str(out), "--backend", BACKEND, "--verbose", "0"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model_config"]["decoder_layers"] == 1 and metrics["model_config"]["free_bits"] == 0.1
    assert set(metrics["test"]) == {"loss", "reconstruction", "kl", "elbo"} and metrics["saved_model"] is None
    assert (out / "samples.png").exists() and (out / "reconstructions.png").exists()
    # (`keras-vi evaluate` runs the same estimator as for the IWAE above; tests/test_ar_vae.py checks it in-process)


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED_DATA, "fsdd")), reason="no FSDD in the shared data")
@pytest.mark.skipif(BACKEND != "jax", reason="its samples are 8 x 500 sequential prior steps: ~10 s on JAX, "
                                             "~60 s on PyTorch; the VQ-VAE on sequences is tested on every "
                                             "backend in test_vq_any_rank.py")
def test_train_a_vq_vae_on_spoken_digits(tmp_path):
    out = tmp_path / "speech"
    assert main(["train", "vq_vae", "--dataset", "spoken_digit", "--data-dir", os.path.join(SHARED_DATA, "fsdd"),
                 "--split", "train[:16]", "--eval-split", "test[:8]", "--raw", "--likelihood", "categorical",
                 "--spatial-dims", "1", "--num-embeddings", "8", "--embedding-dim", "4", "--epochs", "1",
                 "--prior-epochs", "1", "--batch-size", "8", "--out", str(out), "--backend", BACKEND,
                 "--verbose", "0"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model_config"]["spatial_dims"] == 1 and metrics["data_dims"] == 8000
    assert {"perplexity", "codebook_usage", "prior_bits_per_dim"} <= set(metrics["test"])
    assert (out / "samples.png").exists() and (out / "reconstructions.png").exists()
