"""The `keras-vi` command line: parse, build from the zoo registry, fit, write.

    keras-vi train beta_vae --dataset digits --epochs 30 --latent-dim 10 --out runs/demo

Keras reads KERAS_BACKEND when it is first imported, so `--backend` is read
and applied first; then keras_vi is imported, and the parser takes its
choices of models, likelihoods and priors from their registries.
"""

import argparse
import json
import math
import os
import sys
import time

from keras_vi.cli.evaluate import evaluate, load_eval_split

BACKENDS = ("tensorflow", "jax", "torch")


def _at_least(low, kind):
    def parse(text):
        value = kind(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


# The model options of `train`: `keras_vi.cli.models` lists the ones each zoo model
# takes (constructor arguments, and options of what runs after its fit).
# Defaults are the classes' own, except the ones named here.
MODEL_OPTIONS = {
    "latent_dim": dict(type=_at_least(1, int), help="size of z (default 10)"),
    "latent_dims": dict(type=_at_least(1, int), nargs=2, metavar=("D1", "D2"),
                        help="hierarchical_vae: sizes of z1 and z2 (default 40 40)"),
    "likelihood": dict(help="p(x|z): a name of keras_vi.likelihoods.LIKELIHOODS"),
    "prior": dict(help="p(z): a name of keras_vi.priors.PRIORS"),
    "hidden_units": dict(type=_at_least(1, int), nargs="+", help="hidden layer widths"),
    "beta": dict(type=_at_least(0.0, float), help="KL weight (beta_tc_vae: total-correlation weight)"),
    "gamma": dict(type=_at_least(0.0, float), help="factor_vae: total-correlation weight"),
    "free_bits": dict(type=_at_least(0.0, float), help="nats per latent dimension"),
    "num_samples": dict(type=_at_least(1, int), help="draws of z per example (IWAE's k)"),
    "num_embeddings": dict(type=_at_least(1, int), help="codebook size"),
    "embedding_dim": dict(type=_at_least(1, int), help="code size"),
    "commitment_cost": dict(type=_at_least(0.0, float), help="weight of the commitment loss"),
    "ema_decay": dict(type=float, help="EMA codebook updates, e.g. 0.99"),
    "prior_epochs": dict(type=_at_least(1, int), help="epochs of the PixelCNN prior"),
    "dequantization": dict(help="8-bit data: u ~ q(u|x), a name of keras_vi.layers.DEQUANTIZERS"),
    "num_scales": dict(type=_at_least(1, int), help="scales of a flow"),
    "num_steps": dict(type=_at_least(1, int), help="flow steps per scale"),
    "filters": dict(type=_at_least(1, int), help="width of a flow's coupling networks"),
    "num_classes": dict(type=_at_least(2, int), help="ar_vae: values of a pixel (2 with --binarize, 256 with --raw)"),
    "decoder_layers": dict(type=_at_least(1, int), help="ar_vae: gated PixelCNN blocks of the decoder"),
    "decoder_filters": dict(type=_at_least(1, int), help="ar_vae: channels of the decoder's stacks"),
    "first_kernel_size": dict(type=_at_least(1, int),
                              help="ar_vae: the decoder's first kernel (3 with few layers: a VLAE-style local decoder)"),
}
CLI_DEFAULTS = {"latent_dim": 10}


def build_parser():
    """The full parser; imports keras_vi (so Keras: select the backend first)."""
    from keras_vi import layers, likelihoods, priors, zoo

    registries = {"likelihood": likelihoods.LIKELIHOODS, "prior": priors.PRIORS,
                  "dequantization": layers.DEQUANTIZERS}
    parser = argparse.ArgumentParser(
        prog="keras-vi", description="Variational inference with Keras 3."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a zoo model and write its pictures")
    train.add_argument("model", choices=tuple(zoo.MODELS))
    train.add_argument("--dataset", default="digits", help="digits | mnist | fashion_mnist | a TFDS name")
    train.add_argument("--data-dir", default=None, help="directory of the IDX files")
    train.add_argument("--split", default="train", help="training split, e.g. 'test[:8000]'")
    train.add_argument("--eval-split", default="test", help="held-out split, e.g. 'test[8000:]'")
    train.add_argument("--binarize", choices=("static", "dynamic"), default=None)
    train.add_argument("--raw", action="store_true",
                       help="keep 8-bit integer pixels (for --likelihood discretized_logistic)")
    train.add_argument("--flatten", action="store_true", help="images as vectors: an MLP model")
    train.add_argument("--epochs", type=_at_least(1, int), default=30)
    train.add_argument("--batch-size", type=_at_least(1, int), default=64)
    train.add_argument("--learning-rate", type=float, default=1e-3)
    train.add_argument("--seed", type=int, default=0)
    for name, spec in MODEL_OPTIONS.items():
        choices = {"choices": tuple(registries[name])} if name in registries else {}
        train.add_argument("--" + name.replace("_", "-"), default=None, **spec, **choices)
    train.add_argument("--backend", choices=BACKENDS, default=None,
                       help="Keras backend (default: KERAS_BACKEND, else tensorflow)")
    train.add_argument("--out", required=True, help="output directory")
    train.add_argument("--verbose", type=int, default=1, help="Keras progress bar: 0, 1 or 2")
    train.add_argument("--tensorboard", default=None, metavar="DIR",
                       help="write sample and reconstruction grids and the epoch logs to TensorBoard in DIR")
    train.add_argument("--resume", action="store_true",
                       help="continue an interrupted run in --out from its last epoch's checkpoint")
    train.add_argument("--tensorboard-every", type=_at_least(1, int), default=1, metavar="N",
                       help="epochs between TensorBoard images (and after the last epoch)")

    commands.add_parser("presets", help="list the bundled presets: name, class, dataset, metric, size")
    evaluate = commands.add_parser(
        "evaluate", help="estimate log p(x) of a trained run, or of a preset, on its held-out split"
    )
    evaluate.add_argument("run_dir", nargs="?", default=None, help="a directory written by `keras-vi train`")
    evaluate.add_argument("--preset", default=None, help="a preset (name, directory or handle) in place of run_dir")
    evaluate.add_argument("--data-dir", default=None, help="with --preset: the directory of its dataset's files")
    evaluate.add_argument("--split", default=None, help="with --preset: a slice of its test split, e.g. 'test[:500]'")
    evaluate.add_argument("--num-samples", type=_at_least(1, int), default=5000,
                          help="importance samples k")
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
    if backend is not None:
        os.environ["KERAS_BACKEND"] = backend
        keras = sys.modules.get("keras")
        if keras is not None and keras.backend.backend() != backend:
            sys.stdout.flush()
            os.execv(sys.executable, [sys.executable, "-m", "keras_vi", *argv])



def model_options(cls, name, args):
    """(constructor kwargs, after-fit kwargs) of zoo model `name` (class `cls`) from the CLI args.

    An option the model does not take is an error, the same for every model.
    """
    from keras_vi.cli.models import AFTER_FIT, CONSTRUCTOR_OPTIONS

    del cls  # the table is by name
    constructor = CONSTRUCTOR_OPTIONS[name]
    after_fit = AFTER_FIT.get(name, (None, ()))[1]
    given = {k for k in MODEL_OPTIONS if getattr(args, k) is not None}
    takes = set(constructor) | set(after_fit)
    unknown = sorted(given - takes)
    if unknown:
        flags = ", ".join("--" + k.replace("_", "-") for k in unknown)
        accepted = ", ".join("--" + k.replace("_", "-") for k in sorted(takes - {"seed"}))
        raise ValueError(f"{flags} does not apply to {name}; it takes {accepted}.")
    values = {k: getattr(args, k) for k in given}
    values.update({k: v for k, v in CLI_DEFAULTS.items() if k in takes and k not in values})
    if "seed" in constructor:
        values["seed"] = args.seed
    model_kwargs = {k: v for k, v in values.items() if k in constructor}
    fit_kwargs = {k: v for k, v in values.items() if k in after_fit}
    return model_kwargs, fit_kwargs


DATA_ARGS = ("dataset", "data_dir", "split", "eval_split", "binarize", "raw", "flatten", "seed")


def train(args):
    if args.binarize and args.raw:
        raise ValueError("`--binarize` and `--raw` exclude each other (binarizing needs [0, 1] pixels).")
    import keras

    from keras_vi import datasets, plotting, zoo

    from keras_vi.cli.models import AFTER_FIT, SAVED_MODEL

    cls = zoo.get(args.model)
    model_kwargs, fit_options = model_options(cls, args.model, args)
    after_fit = AFTER_FIT.get(args.model, (None, ()))[0]
    if args.binarize == "dynamic" and after_fit is not None:
        raise ValueError(f"`--binarize dynamic` is not supported for {args.model} (its extra results need arrays).")
    keras.utils.set_random_seed(args.seed)
    load = dict(name=args.dataset, data_dir=args.data_dir, seed=args.seed, flatten=args.flatten,
                scale=not args.raw)
    # Batches: each epoch's order (and dynamic binarization) is a function of
    # (seed, epoch), so a resumed run sees the batches the uninterrupted one saw
    x_train = datasets.load(split=args.split, binarize=args.binarize, batch_size=args.batch_size,
                            shuffle=True, as_tf_dataset=False, **load)
    fit_kwargs = {}
    x_test = load_eval_split(vars(args))
    os.makedirs(args.out, exist_ok=True)  # after the data loaded: a run that cannot start writes nothing
    backup_dir = _check_resume(args)

    model = cls(**model_kwargs)
    model_config = model.get_config()  # as constructed: default networks are built from the data
    model.compile(optimizer=model.default_optimizer(args.learning_rate))
    # a checkpoint every epoch, removed when the fit ends; `--resume` continues from it
    callbacks = [keras.callbacks.BackupAndRestore(backup_dir)]
    if args.tensorboard:
        from keras_vi.callbacks import ImageLogger

        shown = x_test[:16] if hasattr(model, "reconstruct") else None
        callbacks.append(ImageLogger(args.tensorboard, x=shown, every_n_epochs=args.tensorboard_every,
                                     seed=args.seed))
    start = time.perf_counter()
    history = model.fit(x_train, epochs=args.epochs, verbose=args.verbose, callbacks=callbacks,
                        **fit_kwargs)
    train_seconds = time.perf_counter() - start
    test_metrics = model.evaluate(x_test, batch_size=args.batch_size, verbose=0, return_dict=True)
    if after_fit is not None:
        test_metrics.update(after_fit(model, x_train.x, x_test, batch_size=args.batch_size,
                                      verbose=args.verbose, **fit_options))

    plotting.plot_samples(model, os.path.join(args.out, "samples.png"), seed=args.seed)
    if hasattr(model, "reconstruct"):  # a flow has nothing to reconstruct
        plotting.plot_reconstructions(model, x_test, os.path.join(args.out, "reconstructions.png"))
    plotting.plot_history(history, os.path.join(args.out, "history.png"))
    model.save(os.path.join(args.out, "model.keras"))
    export_path = os.path.join(args.out, "saved_model")
    export = None
    if args.model in SAVED_MODEL and keras.backend.backend() in ("tensorflow", "jax"):
        model.export(export_path, verbose=False)
        export = export_path

    metrics = {
        "model": args.model,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "model_config": model_config,
        "training": {"epochs": args.epochs, "batch_size": args.batch_size,
                     "learning_rate": args.learning_rate, **fit_options},
        "data": {k: getattr(args, k) for k in DATA_ARGS},
        # a dynamic dataset's last batch may be short: count examples, not batches
        "num_train_examples": int(len(x_train.x)),
        "resumed": args.resume,
        "num_test_examples": int(len(x_test)),
        "data_dims": int(math.prod(x_test.shape[1:])),
        "num_params": int(model.count_params()),
        "train_seconds": round(train_seconds, 2),
        "final_train": {k: float(v[-1]) for k, v in history.history.items()},
        "test": {k: float(v) for k, v in test_metrics.items()},
        "saved_model": export,
        "tensorboard": args.tensorboard,
        "saved_model_note": None if export else (
            f"keras-vi does not export {args.model} as a SavedModel."
            if args.model not in SAVED_MODEL else
            "SavedModel export needs TensorFlow or JAX: load model.keras under "
            "KERAS_BACKEND=tensorflow and call .export(path)."
        ),
    }
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps({"test": metrics["test"], "out": args.out}, indent=2))
    return metrics


# what must be the same for `--resume` to continue a run
RESUME_ARGS = ("model", *DATA_ARGS, "epochs", "batch_size", "learning_rate", *MODEL_OPTIONS)


def _check_resume(args):
    """The run's checkpoint directory; checks `--resume` against what is in it."""
    backup_dir = os.path.join(args.out, "backup")
    arguments_path = os.path.join(backup_dir, "arguments.json")  # removed with the checkpoint
    run = {k: getattr(args, k) for k in RESUME_ARGS}
    if args.resume:
        if not os.path.isfile(arguments_path):
            raise ValueError(f"`--resume`: {args.out} holds no interrupted run to continue ({backup_dir} is missing).")
        with open(arguments_path) as f:
            saved = json.load(f)
        changed = sorted(k for k in RESUME_ARGS if saved.get(k) != run[k])
        if changed:
            flags = ", ".join(f"--{k.replace('_', '-')} ({saved.get(k)!r} -> {run[k]!r})" for k in changed)
            raise ValueError(f"`--resume` needs the interrupted run's arguments; changed: {flags}.")
    else:
        if os.path.exists(backup_dir):
            raise ValueError(
                f"`--out` {args.out} holds an interrupted run's checkpoint ({backup_dir}): add "
                "--resume to continue it, or remove that directory to start afresh."
            )
        os.makedirs(backup_dir)
        with open(arguments_path, "w") as f:
            json.dump(run, f, indent=2)
    return backup_dir


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument("--backend", choices=BACKENDS, default=None)
    _select_backend(backend.parse_known_args(argv)[0].backend, argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            train(args)
        elif args.command == "presets":
            from keras_vi.cli.presets import list_presets

            list_presets()
        else:
            evaluate(args)
    except (ValueError, FileNotFoundError) as e:
        print(f"keras-vi: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
