"""Reproductions on statically binarized MNIST: each row of the card, its published protocol as data.

    python zoo/reproductions/run.py vae --data-dir ../shared/data --out runs/reproductions
    python zoo/reproductions/run.py vae ... --resume          # continue an interrupted run
    python zoo/reproductions/run.py vae ... --stage snapshot  # its state, to commit (resume/ROW/)
    python zoo/reproductions/run.py vae ... --stage evaluate  # test L_5000 of the saved model only
    KERAS_BACKEND=torch python zoo/reproductions/run.py vae ... --stage cross_backend

Each row trains on the 50,000 training images, keeps the weights of the epoch with
the best validation ELBO (10,000 validation images; early stopping where the
protocol has it), and estimates L_5000 on all 10,000 test images. A checkpoint
is written after every epoch (`keras.callbacks.BackupAndRestore`) and `--resume`
continues from it exactly. A checkpoint lives in the run directory, which a new
clone does not have: `--stage snapshot` copies a running row's state (checkpoint,
best weights, `best.json`, `log.jsonl`) into `zoo/reproductions/resume/ROW/`, to
be committed, and `--resume` starts from there when the run directory has none.
The run directory gets `log.jsonl` (one line per epoch), `best.weights.npz`,
`model.keras` and `results.json`; `card.py` makes the card's table from the results.
`--epochs` cuts a protocol short (a smoke test); the results say so.
"""

import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # rows.py beside this file
from rows import LR_GAMMA, ROWS, VARIANTS, build_model, optimizer  # noqa: E402,F401  (the protocols)


def _best_checkpoint_callback():
    import keras

    class BestAndLog(keras.callbacks.Callback):
        """Writes log.jsonl, keeps the best validation ELBO's weights, stops after `patience` epochs.

        Its state (best value and epoch) is in a file, so a resumed run goes on where it stopped.
        """

        def __init__(self, out, patience):
            super().__init__()
            self.out, self.patience = out, patience
            self.state_path = os.path.join(out, "best.json")
            self.log_path = os.path.join(out, "log.jsonl")

        def on_train_begin(self, logs=None):
            self.state = {"best_val_elbo": -float("inf"), "best_epoch": -1}
            if os.path.isfile(self.state_path):
                with open(self.state_path) as f:
                    self.state = json.load(f)
            self.first = True

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()
            if self.first and os.path.isfile(self.log_path):  # drop epochs the checkpoint lost
                with open(self.log_path) as f:
                    lines = [line for line in f if json.loads(line)["epoch"] < epoch]
                with open(self.log_path, "w") as f:
                    f.writelines(lines)
            self.first = False

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            line = {"epoch": epoch, "seconds": round(time.perf_counter() - self.start, 2), **logs}
            if logs["val_elbo"] > self.state["best_val_elbo"]:
                # the model's weights only (a third of save_weights' file, which adds Adam's state):
                # a running row's snapshot is committed
                np.savez(os.path.join(self.out, "best.weights.npz"), *self.model.get_weights())
                self.state = {"best_val_elbo": logs["val_elbo"], "best_epoch": epoch}
                line["best"] = True
            with open(self.state_path, "w") as f:
                json.dump(self.state, f)
            with open(self.log_path, "a") as f:
                f.write(json.dumps(line) + "\n")
            if self.patience is not None and epoch - self.state["best_epoch"] >= self.patience:
                self.model.stop_training = True

    return BestAndLog


# what an interrupted run needs to go on: BackupAndRestore's checkpoint and BestAndLog's files
RUN_STATE = ("backup", "best.weights.npz", "best.weights.h5", "best.json", "log.jsonl")
SNAPSHOTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resume")


def copy_state(source, target):
    """Copies an interrupted run's state (`RUN_STATE`) from one directory to another."""
    if not os.path.isdir(os.path.join(source, "backup")):
        raise SystemExit(f"{source} holds no interrupted run ({source}/backup is missing).")
    os.makedirs(target, exist_ok=True)
    for name in RUN_STATE:
        path, old = os.path.join(source, name), os.path.join(target, name)
        if os.path.isdir(old):  # an earlier copy's, replaced or (absent from source) removed
            shutil.rmtree(old)
        elif os.path.isfile(old):
            os.remove(old)
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(target, name))
        elif os.path.isfile(path):
            shutil.copy2(path, target)


def load_best_weights(model, out):
    """Sets the best epoch's weights: best.weights.npz, or a run from before it's best.weights.h5."""
    path = os.path.join(out, "best.weights.npz")
    if not os.path.isfile(path):  # written only by a run that has not improved since it resumed
        model.load_weights(os.path.join(out, "best.weights.h5"))
        return
    with np.load(path) as arrays:
        model.set_weights([arrays[f"arr_{i}"] for i in range(len(arrays.files))])


def train(row, args, out):
    import keras

    from keras_vi import callbacks as vi_callbacks
    from keras_vi import datasets

    backup = os.path.join(out, "backup")
    snapshot = os.path.join(args.snapshot_dir, os.path.basename(out))
    if args.resume and not os.path.isdir(backup) and os.path.isdir(os.path.join(snapshot, "backup")):
        print(f"--resume: {out} holds no checkpoint; starting from the snapshot in {snapshot}")
        copy_state(snapshot, out)
    if os.path.isdir(backup) and not args.resume:
        raise SystemExit(f"{out} holds an interrupted run: add --resume, or remove {backup}.")
    if args.resume and not os.path.isdir(backup):
        raise SystemExit(f"--resume: {out} holds no interrupted run ({backup} is missing).")
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    load = dict(name="binarized_mnist", data_dir=args.data_dir, flatten=True)
    train_batches = datasets.load(split="train", batch_size=row["batch_size"], shuffle=True,
                                  seed=args.seed, as_tf_dataset=False, **load)
    x_val = datasets.load(split="validation", **load)
    model = build_model(row, args.seed, args.variant)
    model.compile(optimizer=optimizer(row, len(train_batches)))
    callbacks = []
    if row["warmup_epochs"]:
        callbacks.append(vi_callbacks.KLAnnealing("linear", warmup_steps=row["warmup_epochs"] * len(train_batches)))
    callbacks += [_best_checkpoint_callback()(out, row["patience"]), keras.callbacks.BackupAndRestore(backup)]
    model.fit(train_batches, epochs=args.epochs or row["epochs"], validation_data=x_val,
              validation_batch_size=1000, callbacks=callbacks, verbose=args.verbose)
    load_best_weights(model, out)
    model.save(os.path.join(out, "model.keras"))


def evaluate(row_name, row, args, out):
    import keras

    from keras_vi import datasets, estimators, utils

    model = keras.saving.load_model(os.path.join(out, "model.keras"))
    x_test = datasets.load("binarized_mnist", split="test", data_dir=args.data_dir, flatten=True)
    summary = estimators.evaluation_summary(model, x_test, num_samples=args.num_samples, seed=args.seed)
    with open(os.path.join(out, "log.jsonl")) as f:
        log = [json.loads(line) for line in f]
    with open(os.path.join(out, "best.json")) as f:
        best = json.load(f)
    results = {
        "row": row_name, "title": row["title"], "variant": args.variant,
        "protocol": {k: v for k, v in row.items() if k not in ("title", "published", "source", "pythae")},
        "published": row["published"], "source": row["source"], "pythae": row["pythae"],
        "epochs_run": len(log), "epochs_protocol": row["epochs"],
        "cut_short": bool(args.epochs) and len(log) < row["epochs"] and (
            row["patience"] is None or log[-1]["epoch"] - best["best_epoch"] < row["patience"]),
        "best_epoch": best["best_epoch"] + 1, "best_val_elbo": best["best_val_elbo"],
        "train_seconds": round(sum(line["seconds"] for line in log), 1),
        "test": summary,
        "backend": keras.backend.backend(), "keras_version": keras.__version__,
        "machine": utils.machine(), "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", "zoo/reproductions/run.py", *sys.argv[1:]]),
    }
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps({k: results[k] for k in ("row", "epochs_run", "best_epoch")}
                     | {"nll": summary["nll_nats"], "se": summary["nll_standard_error_over_examples"]}))


def cross_backend(row_name, args, out):
    """L_k of the row's saved model on the 10,000 test images under this process's backend."""
    import keras

    from keras_vi import datasets, estimators, utils

    model = keras.saving.load_model(os.path.join(out, "model.keras"))
    x_test = datasets.load("binarized_mnist", split="test", data_dir=args.data_dir, flatten=True)
    start = time.perf_counter()
    estimate = estimators.log_likelihood(model, x_test, num_samples=args.num_samples, seed=args.seed)
    nll = -estimate.log_likelihood
    result = {"row": row_name, "backend": keras.backend.backend(), "num_samples": args.num_samples,
              "nll_nats": float(nll.mean()),
              "nll_standard_error_over_examples": float(nll.std(ddof=1) / len(nll) ** 0.5),
              "mean_monte_carlo_standard_error": float(estimate.standard_error.mean()),
              "seconds": round(time.perf_counter() - start, 1), "machine": utils.machine(),
              "date": time.strftime("%Y-%m-%d"),
              "command": " ".join(["python", "zoo/reproductions/run.py", *sys.argv[1:]])}
    with open(os.path.join(out, f"cross_backend_{result['backend']}.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result))


def write_preset(row_name, row, args, out):
    """The row's saved model as a bundled preset, `keras_vi/presets/ROW_binarized_mnist/`."""
    import keras

    import keras_vi  # noqa: F401  (registers the zoo's classes for loading)

    with open(os.path.join(out, "results.json")) as f:
        results = json.load(f)
    test = results["test"]
    model = keras.saving.load_model(os.path.join(out, "model.keras"))
    directory = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                             "keras_vi", "presets", f"{row_name}_binarized_mnist")
    model.save_to_preset(
        directory,
        description=f"{row['title']} trained on statically binarized MNIST by the protocol of "
                    f"{row['source']} (zoo/reproductions/README.md)",
        dataset="binarized_mnist: 50,000 training images; inputs are vectors of 784 pixels in {0, 1}",
        metrics={"test_nll_nats_L5000": round(test["nll_nats"], 3),
                 "test_nll_standard_error": round(test["nll_standard_error_over_examples"], 3),
                 "active_units": test["active_units"], "latent_dim": test["latent_dim"],
                 "published_nll_nats": row["published"]},
        training={"epochs_run": results["epochs_run"], "best_epoch": results["best_epoch"],
                  "backend": results["backend"], "machine": results["machine"], "date": results["date"]},
        evaluation={"dataset": "binarized_mnist", "split": "test", "flatten": True,
                    "metric": "test_nll_nats_L5000", "num_samples": 5000},
        recipe=f"python zoo/reproductions/run.py {row_name} --data-dir DIR --out runs/reproductions "
               f"&& python zoo/reproductions/run.py {row_name} --data-dir DIR --out runs/reproductions --stage preset",
        card="zoo/reproductions/README.md")
    print(f"preset: {directory}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("row", choices=tuple(ROWS))
    parser.add_argument("--data-dir", default=None, help="binarized MNIST's files (default: TFDS)")
    parser.add_argument("--out", default="runs/reproductions")
    parser.add_argument("--stage", choices=("all", "train", "evaluate", "cross_backend", "preset", "snapshot"),
                        default="all",
                        help="cross_backend: L_k of the saved model under KERAS_BACKEND, on its own; "
                             "preset: the evaluated model as a bundled preset; "
                             "snapshot: an interrupted run's state into --snapshot-dir, to commit")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the run directory's checkpoint, or else from the snapshot")
    parser.add_argument("--snapshot-dir", default=SNAPSHOTS,
                        help="where --stage snapshot writes ROW/ and --resume looks for it")
    parser.add_argument("--epochs", type=int, default=None, help="cut the protocol short (smoke test)")
    parser.add_argument("--num-samples", type=int, default=5000, help="k of the test L_k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variant", choices=tuple(VARIANTS), default=None,
                        help="a change to the protocol, to find where a gap comes from (out: ROW__VARIANT)")
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)
    row = ROWS[args.row]
    out = os.path.join(args.out, args.row + (f"__{args.variant}" if args.variant else ""))
    if args.stage in ("all", "train"):
        train(row, args, out)
    if args.stage in ("all", "evaluate"):
        evaluate(args.row, row, args, out)
    if args.stage == "cross_backend":
        cross_backend(args.row, args, out)
    if args.stage == "preset":
        write_preset(args.row, row, args, out)
    if args.stage == "snapshot":
        copy_state(out, os.path.join(args.snapshot_dir, os.path.basename(out)))


if __name__ == "__main__":
    main()
