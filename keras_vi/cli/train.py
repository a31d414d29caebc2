"""`keras-vi train`: a zoo model's options from the command line, the fit, its pictures and metrics.json."""

import json
import math
import os
import time

from keras_vi.cli.evaluate import load_eval_split
from keras_vi.cli.main import CLI_DEFAULTS, MODEL_OPTIONS


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

    from keras_vi import datasets, plotting, utils, zoo

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
    # a checkpoint every epoch, removed when the fit ends; `--resume` continues from it, and
    # the training seconds of a resumed run count its interrupted part's finished epochs too
    # (written before each checkpoint, so a checkpointed epoch's seconds are never lost)
    seconds_path, seconds_before = _seconds_before(backup_dir)
    callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: _write_json(
                     seconds_path, {"seconds": seconds_before + time.perf_counter() - start, "epochs": epoch + 1})),
                 keras.callbacks.BackupAndRestore(backup_dir)]
    if args.tensorboard:
        from keras_vi.callbacks import ImageLogger

        shown = x_test[:16] if hasattr(model, "reconstruct") else None
        callbacks.append(ImageLogger(args.tensorboard, x=shown, every_n_epochs=args.tensorboard_every,
                                     seed=args.seed))
    start = time.perf_counter()
    history = model.fit(x_train, epochs=args.epochs, verbose=args.verbose, callbacks=callbacks,
                        **fit_kwargs)
    train_seconds = seconds_before + time.perf_counter() - start
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
        "date": time.strftime("%Y-%m-%d", time.gmtime()),  # UTC, when the training ended
        "machine": utils.machine(),
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


def _seconds_before(backup_dir):
    """Where the run's training seconds are kept, and those of an interrupted run's finished epochs."""
    path = os.path.join(backup_dir, "seconds.json")  # removed with the checkpoint
    if not os.path.isfile(path):
        return path, 0.0
    with open(path) as f:
        return path, float(json.load(f)["seconds"])


def _write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f)


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
