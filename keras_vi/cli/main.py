"""The `keras-vi` command line: parse, build from the zoo registry, fit, write.

    keras-vi train beta_vae --dataset digits --epochs 30 --latent-dim 10 --out runs/demo

Keras reads KERAS_BACKEND when it is first imported, so `--backend` is applied
before anything imports keras.
"""

import argparse
import json
import os
import sys
import time

MODEL_NAMES = ("vae", "beta_vae", "iwae", "vq_vae")
BACKENDS = ("tensorflow", "jax", "torch")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="keras-vi", description="Variational inference with Keras 3."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a zoo model and write its pictures")
    train.add_argument("model", choices=MODEL_NAMES)
    train.add_argument("--dataset", default="digits", help="digits | mnist | fashion_mnist | a TFDS name")
    train.add_argument("--data-dir", default=None, help="directory of the IDX files")
    train.add_argument("--split", default="train", help="training split, e.g. 'test[:8000]'")
    train.add_argument("--eval-split", default="test", help="held-out split, e.g. 'test[8000:]'")
    train.add_argument("--binarize", choices=("static", "dynamic"), default=None)
    train.add_argument("--flatten", action="store_true", help="images as vectors: an MLP model")
    train.add_argument("--hidden-units", type=int, nargs="+", default=[512, 256],
                       help="hidden layer widths of the default networks")
    train.add_argument("--epochs", type=int, default=30)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--latent-dim", type=int, default=10)
    train.add_argument("--likelihood", choices=("bernoulli", "gaussian"), default="bernoulli")
    train.add_argument("--beta", type=float, default=None, help="KL weight (vae, beta_vae)")
    train.add_argument("--free-bits", type=float, default=0.0, help="nats per latent dimension")
    train.add_argument("--num-samples", type=int, default=5, help="k of the IWAE bound")
    train.add_argument("--num-embeddings", type=int, default=64, help="codebook size (vq_vae)")
    train.add_argument("--embedding-dim", type=int, default=16, help="code size (vq_vae)")
    train.add_argument("--commitment-cost", type=float, default=0.25, help="(vq_vae)")
    train.add_argument("--ema-decay", type=float, default=None, help="EMA codebook (vq_vae)")
    train.add_argument("--prior-epochs", type=int, default=10, help="PixelCNN prior (vq_vae)")
    train.add_argument("--learning-rate", type=float, default=1e-3)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--backend", choices=BACKENDS, default=None,
                       help="Keras backend (default: KERAS_BACKEND, else tensorflow)")
    train.add_argument("--out", required=True, help="output directory")
    train.add_argument("--verbose", type=int, default=1, help="Keras progress bar: 0, 1 or 2")

    evaluate = commands.add_parser(
        "evaluate", help="estimate log p(x) of a trained run on its held-out split"
    )
    evaluate.add_argument("run_dir", help="a directory written by `keras-vi train`")
    evaluate.add_argument("--num-samples", type=int, default=5000, help="importance samples k")
    evaluate.add_argument("--proposal", choices=("posterior", "prior"), default="posterior")
    evaluate.add_argument("--batch-size", type=int, default=None, help="examples per step")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--backend", choices=BACKENDS, default=None)
    return parser


def _select_backend(backend, argv):
    """Makes Keras run on `backend`; re-executes the command if it cannot.

    Keras reads KERAS_BACKEND once, when first imported, and importing
    keras_vi imports Keras: when it already runs on another backend, the
    same command starts again in a fresh interpreter with KERAS_BACKEND set.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend is None:
        return
    os.environ["KERAS_BACKEND"] = backend
    keras = sys.modules.get("keras")
    if keras is not None and keras.backend.backend() != backend:
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-m", "keras_vi", *argv])


def _model_kwargs(args):
    if args.model == "vq_vae":
        if args.prior_epochs < 1:
            raise ValueError(f"`--prior-epochs` must be >= 1, got {args.prior_epochs}.")
        return {"num_embeddings": args.num_embeddings, "embedding_dim": args.embedding_dim,
                "commitment_cost": args.commitment_cost, "ema_decay": args.ema_decay,
                "likelihood": args.likelihood, "seed": args.seed}
    if args.latent_dim < 1:
        raise ValueError(f"`--latent-dim` must be >= 1, got {args.latent_dim}.")
    kwargs = {"latent_dim": args.latent_dim, "likelihood": args.likelihood, "seed": args.seed,
              "hidden_units": args.hidden_units}
    if args.model == "iwae":
        if args.beta is not None or args.free_bits:
            raise ValueError("`--beta` and `--free-bits` apply to vae and beta_vae, not iwae.")
        kwargs["num_samples"] = args.num_samples
    else:
        if args.beta is not None:
            kwargs["beta"] = args.beta
        kwargs["free_bits"] = args.free_bits
    return kwargs


def _vq_vae_results(model, x_train, x_test, args):
    """Fits the PixelCNN prior on the training codes; test-split VQ metrics."""
    import keras
    import numpy as np

    from keras_vi.layers.vector_quantizer import codebook_usage, perplexity

    model.fit_prior(x_train, epochs=args.prior_epochs, batch_size=args.batch_size,
                    verbose=args.verbose)
    rec = np.concatenate([keras.ops.convert_to_numpy(model.reconstruct(x_test[i : i + 256]))
                          for i in range(0, len(x_test), 256)])
    codes = model.encode_indices(x_test)
    k = model.num_embeddings
    return {
        "reconstruction_mse": float(np.mean((rec - x_test) ** 2)),
        "perplexity": float(keras.ops.convert_to_numpy(perplexity(codes, k))),
        "codebook_usage": float(keras.ops.convert_to_numpy(codebook_usage(codes, k))),
        "prior_bits_per_dim": float(np.mean(model.prior.bits_per_dim(codes))),
        "prior_nll_nats_per_image": float(-np.mean(keras.ops.convert_to_numpy(model.prior.log_prob(codes)))),
    }


def load_eval_split(train_args):
    """The held-out split of a training run, as `train` and `evaluate` see it.

    It is binarized once (static, seed + 1) when training binarized, so every
    evaluation of every model sees the same data.
    """
    from keras_vi import datasets

    return datasets.load(
        train_args["dataset"],
        split=train_args["eval_split"],
        data_dir=train_args["data_dir"],
        binarize=train_args["binarize"] and "static",
        seed=train_args["seed"] + 1,
        flatten=train_args.get("flatten", False),
    )


def train(args, argv):
    model_kwargs = _model_kwargs(args)  # checked before the slow Keras import
    if args.model == "vq_vae" and args.binarize == "dynamic":
        raise ValueError("`--binarize dynamic` is not supported for vq_vae (fit_prior needs arrays).")
    for flag, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size)):
        if value < 1:
            raise ValueError(f"`{flag}` must be >= 1, got {value}.")
    _select_backend(args.backend, argv)
    import keras

    from keras_vi import datasets, plotting, zoo

    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    load = dict(name=args.dataset, data_dir=args.data_dir, seed=args.seed, flatten=args.flatten)
    if args.binarize == "dynamic":
        x_train = datasets.load(split=args.split, binarize="dynamic", batch_size=args.batch_size,
                                shuffle=True, **load)
        fit_kwargs = {}
    else:
        x_train = datasets.load(split=args.split, binarize=args.binarize, **load)
        fit_kwargs = {"batch_size": args.batch_size, "shuffle": True}
    x_test = load_eval_split(vars(args))

    model = zoo.get(args.model)(**model_kwargs)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    start = time.perf_counter()
    history = model.fit(x_train, epochs=args.epochs, verbose=args.verbose, **fit_kwargs)
    train_seconds = time.perf_counter() - start
    test_metrics = model.evaluate(x_test, batch_size=args.batch_size, verbose=0, return_dict=True)
    if args.model == "vq_vae":
        test_metrics.update(_vq_vae_results(model, x_train, x_test, args))

    plotting.plot_samples(model, os.path.join(args.out, "samples.png"), seed=args.seed)
    plotting.plot_reconstructions(model, x_test, os.path.join(args.out, "reconstructions.png"))
    plotting.plot_history(history, os.path.join(args.out, "history.png"))
    model.save(os.path.join(args.out, "model.keras"))
    export_path = os.path.join(args.out, "saved_model")
    if args.model != "vq_vae" and keras.backend.backend() in ("tensorflow", "jax"):
        model.export(export_path, verbose=False)
        export = export_path
    else:
        export = None

    metrics = {
        "model": args.model,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "args": {k: v for k, v in vars(args).items() if k != "command"},
        # a dynamic dataset's last batch may be short: count examples, not batches
        "num_train_examples": sum(int(b.shape[0]) for b in x_train)
        if args.binarize == "dynamic" else int(len(x_train)),
        "num_test_examples": int(len(x_test)),
        "train_seconds": round(train_seconds, 2),
        "final_train": {k: float(v[-1]) for k, v in history.history.items()},
        "test": {k: float(v) for k, v in test_metrics.items()},
        "saved_model": export,
        "saved_model_note": None if export else (
            "keras-vi exports the continuous-latent models only." if args.model == "vq_vae" else
            "SavedModel export needs TensorFlow or JAX: load model.keras under "
            "KERAS_BACKEND=tensorflow and call .export(path)."
        ),
    }
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps({"test": metrics["test"], "out": args.out}, indent=2))
    return metrics


def evaluate(args, argv):
    """Test NLL (nats and bits/dim) by importance sampling, and collapse diagnostics."""
    metrics_path = os.path.join(args.run_dir, "metrics.json")
    model_path = os.path.join(args.run_dir, "model.keras")
    for path in (metrics_path, model_path):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"`run_dir`: {path} is missing; run `keras-vi train` first.")
    if args.num_samples < 1:
        raise ValueError(f"`--num-samples` must be >= 1, got {args.num_samples}.")
    _select_backend(args.backend, argv)
    import keras
    import numpy as np

    from keras_vi import estimators, metrics

    with open(metrics_path) as f:
        train_args = json.load(f)["args"]
    x = load_eval_split(train_args)
    model = keras.saving.load_model(model_path)
    start = time.perf_counter()
    estimate = estimators.log_likelihood(
        model, x, num_samples=args.num_samples, proposal=args.proposal,
        batch_size=args.batch_size, seed=args.seed,
    )
    seconds = time.perf_counter() - start
    nll = -estimate.log_likelihood
    num_dims = int(np.prod(x.shape[1:]))
    logs = model.evaluate(x, batch_size=256, verbose=0, return_dict=True)
    kl_per_dim = metrics.kl_per_dimension(model, x)
    result = {
        "run_dir": args.run_dir,
        "backend": keras.backend.backend(),
        "split": train_args["eval_split"],
        "num_examples": int(len(x)),
        "num_samples": args.num_samples,
        "proposal": args.proposal,
        "nll_nats": float(nll.mean()),
        # spread over examples, and the mean Monte Carlo error of each estimate
        "nll_standard_error_over_examples": float(nll.std(ddof=1) / np.sqrt(len(nll))),
        "mean_monte_carlo_standard_error": float(estimate.standard_error.mean()),
        "mean_effective_sample_size": float(estimate.effective_sample_size.mean()),
        "bits_per_dim": float(estimators.bits_per_dim(nll.mean(), num_dims)),
        "elbo": float(logs["elbo"]),
        "kl": float(logs["kl"]),
        "active_units": metrics.active_units(model, x),
        "latent_dim": int(model.latent_dim),
        "kl_per_dimension": [round(float(v), 4) for v in kl_per_dim],
        "mutual_information": metrics.mutual_information(model, x, seed=args.seed),
        "seconds": round(seconds, 1),
    }
    if model.likelihood == "bernoulli" and not np.all((x == 0) | (x == 1)):
        result["note"] = (
            "The data are not binary: with a Bernoulli likelihood these numbers are "
            "cross-entropies, not log-likelihoods. Train with --binarize for nats."
        )
    with open(os.path.join(args.run_dir, "evaluation.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps({k: v for k, v in result.items() if k != "kl_per_dimension"}, indent=2))
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            train(args, argv)
        else:
            evaluate(args, argv)
    except (ValueError, FileNotFoundError) as e:
        print(f"keras-vi: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
