"""Posterior collapse with an autoregressive decoder, and its remedies: the ARVAE card.

    python zoo/ar_vae/recipe.py --data-dir ../shared/data --out runs/ar_vae [--card zoo/ar_vae/README.md]
    python zoo/ar_vae/recipe.py ... --parallel   # each row in its own process (a GPU)

On binarized MNIST (the test set's first 8,000 images to train, the last 2,000 to
test) and binarized Fashion-MNIST (60,000 / 10,000), each binarized once (train
seed 0, test seed 1), trains eight models with latent_dim 32, Adam(1e-3):
a VAE with a factorized Bernoulli decoder (the default conv networks), a
PixelCNN alone (the decoder's network, no z), and the ARVAE (a conditional
two-stack gated PixelCNN decoder) plain, with free bits, with linear KL
annealing, with aggressive inference-network training, and with a restricted
receptive field (VLAE), and with free bits and the restricted field together.
Reports, on the first `--eval-examples` test images: NLL (L_k, k =
`--num-samples`; the PixelCNN's exact NLL) ± its standard error over the
images, the NLL's difference to the PixelCNN alone on the same images (± the
paired standard error), KL(q(z|x) || p(z)), active units, I(x; z), epochs and
training seconds; `--against ROW` also prints every row's difference to that row's.

Each row saves its trained model (<out>/<dataset>/<row>.keras, with what
its training recorded) before the evaluation, and writes <out>/<dataset>/<row>.json
when it ends (its per-image log-likelihoods included). So rows can run in
separate processes (`--parallel` starts one per row and dataset, which keeps
a GPU busy where one Keras process is bound by its Python dispatch), and a
row whose evaluation was cut short can be evaluated again, elsewhere, with
`--evaluate-only`. Then results_<dataset>.json, the card's table,
samples_<dataset>_<row>.png and kl_<dataset>.png (training KL per epoch) are
assembled from the rows' files (`--from-results` does only that).

A row keeps a checkpoint of its training (<out>/<dataset>/<row>.backup, by
`keras.callbacks.BackupAndRestore`, aggressive epochs included)
until its training ends: after an interruption, the same command with
`--resume` continues it from its last finished epoch.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_vi  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from write_card import replace_between  # noqa: E402  (zoo/write_card.py)

BEGIN, END = "<!-- RESULTS:BEGIN -->", "<!-- RESULTS:END -->"
DATASETS = {  # name: (train split, test split)
    "mnist": ("test[:8000]", "test[8000:]"),
    "fashion_mnist": ("train", "test"),
}


ROWS = {  # slug: the card's name of the row, in the card's order
    "vae": "VAE (factorized decoder)",
    "pixelcnn_alone": "PixelCNN alone",
    "arvae_plain": "ARVAE plain",
    "arvae_free_bits": "ARVAE + free bits",
    "arvae_kl_annealing": "ARVAE + KL annealing",
    "arvae_aggressive_training": "ARVAE + aggressive training",
    "arvae_restricted_receptive_field": "ARVAE + restricted receptive field",
    "arvae_free_bits_restricted_receptive_field": "ARVAE + free bits + restricted receptive field",
}


def rows(args, steps):
    """slug: (constructor, fit keyword arguments) of each row."""
    ar = dict(latent_dim=args.latent_dim, decoder_layers=args.decoder_layers,
              decoder_filters=args.filters, seed=0)
    local = {**ar, "decoder_layers": 1, "first_kernel_size": 3}
    annealing = keras_vi.callbacks.KLAnnealing("linear", warmup_steps=max(1, steps // 2))
    return {
        "vae": (lambda: keras_vi.zoo.VAE(latent_dim=args.latent_dim, seed=0), {}),
        "pixelcnn_alone": (lambda: keras_vi.zoo.PixelCNN(
            2, num_layers=args.decoder_layers, filters=args.filters, seed=0), {}),
        "arvae_plain": (lambda: keras_vi.zoo.ARVAE(**ar), {}),
        "arvae_free_bits": (lambda: keras_vi.zoo.ARVAE(**ar, free_bits=args.free_bits), {}),
        "arvae_kl_annealing": (lambda: keras_vi.zoo.ARVAE(**ar), {"callbacks": [annealing]}),
        "arvae_aggressive_training": (lambda: keras_vi.zoo.ARVAE(
            **ar, aggressive=True, max_inner_steps=args.max_inner_steps), {}),
        "arvae_restricted_receptive_field": (lambda: keras_vi.zoo.ARVAE(**local), {}),
        "arvae_free_bits_restricted_receptive_field": (lambda: keras_vi.zoo.ARVAE(
            **local, free_bits=args.free_bits), {}),
    }


class StopAfter(keras.callbacks.Callback):
    """Ends `fit` after the first epoch that ends past `seconds` from its creation."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds, self.start = seconds, time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if time.perf_counter() - self.start > self.seconds:
            self.model.stop_training = True


def evaluate(model, test, args):
    """The card's columns for one trained model on the test images."""
    if isinstance(model, keras_vi.zoo.PixelCNN):
        test = test.astype("int32")
        log_px = np.concatenate([keras.ops.convert_to_numpy(model.log_prob(test[i:i + 500]))
                                 for i in range(0, len(test), 500)])
        return {"nll": float(-log_px.mean()), "nll_se": float(log_px.std() / np.sqrt(len(log_px))),
                "log_px": [round(float(v), 4) for v in log_px]}
    estimate = keras_vi.estimators.log_likelihood(
        model, test, num_samples=args.num_samples, batch_size=args.eval_batch,
        chunk_size=args.eval_chunk, seed=0)
    log_px = estimate.log_likelihood
    return {
        "nll": float(-log_px.mean()),
        "nll_se": float(log_px.std() / np.sqrt(len(log_px))),
        "nll_mc_se": float(np.sqrt(np.mean(estimate.standard_error ** 2) / len(log_px))),
        "kl": float(np.sum(keras_vi.metrics.kl_per_dimension(model, test))),
        "active_units": keras_vi.metrics.active_units(model, test),
        "mutual_information": keras_vi.metrics.mutual_information(model, test),
        "log_px": [round(float(v), 4) for v in log_px],
    }


class EpochLog(keras.callbacks.Callback):
    """Each `fit` epoch's KL, seconds and whether it was aggressive, in a JSON file that outlives
    an interrupted process.

    An epoch's seconds run from the previous epoch's end, or from the start of
    this process's fit; a resumed fit drops the records of the epochs it runs again.
    """

    def __init__(self, path):
        super().__init__()
        self.path = path

    def records(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as f:
            return json.load(f)

    def on_train_begin(self, logs=None):
        self.last, self.first = time.perf_counter(), True

    def on_epoch_begin(self, epoch, logs=None):
        if self.first:  # the epochs from here on are (re)run by this fit
            self.kept, self.first = [r for r in self.records() if r["epoch"] < epoch], False

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        kl = {"kl": float(logs["kl"])} if logs and "kl" in logs else {}  # the PixelCNN alone has none
        aggressive = {"aggressive": bool(logs["aggressive"])} if logs and "aggressive" in logs else {}
        self.kept.append({"epoch": epoch, **kl, **aggressive, "seconds": now - self.last})
        self.last = now
        with open(self.path, "w") as f:
            json.dump(self.kept, f)


# what must be the same for --resume to continue a row's training
RESUMED_ARGS = ("batch_size", "latent_dim", "decoder_layers", "filters", "free_bits", "max_inner_steps",
                "train_examples")


def train_row(build, fit_kwargs, train, epochs, args, stem):
    """(the trained model, what its training recorded) for one row; `stem` is <out>/<dataset>/<row>."""
    backup, epoch_log, settings = stem + ".backup", EpochLog(stem + ".epochs.json"), stem + ".backup.json"
    wanted = {"epochs": epochs, "backend": keras.backend.backend(), **{k: getattr(args, k) for k in RESUMED_ARGS}}
    if os.path.exists(backup) and not args.resume:
        raise SystemExit(f"{backup} holds an interrupted training: run again with --resume to continue it, "
                         "or remove it to start afresh.")
    if args.resume and os.path.exists(backup):
        with open(settings) as f:
            saved = json.load(f)
        if saved != wanted:
            changed = sorted(k for k in wanted if saved.get(k) != wanted[k])
            raise SystemExit(f"--resume: {backup} was written with other settings: {changed}.")
        print(f"{stem}: resuming from {backup}", flush=True)
    else:
        os.makedirs(backup)
        with open(settings, "w") as f:
            json.dump(wanted, f)
        if os.path.exists(epoch_log.path):
            os.remove(epoch_log.path)
    keras.utils.set_random_seed(0)
    model = build()
    data = train.astype("int32") if isinstance(model, keras_vi.zoo.PixelCNN) else train
    model.compile(optimizer=model.default_optimizer(1e-3))  # on TensorFlow, exact for the embedding (its docstring)
    callbacks = list(fit_kwargs.get("callbacks", [])) + [
        # the epoch's log before its checkpoint: a run stopped between the two runs that epoch again
        StopAfter(args.train_seconds), epoch_log, keras.callbacks.BackupAndRestore(backup)]
    model.fit(data, epochs=epochs, batch_size=args.batch_size, verbose=args.verbose, callbacks=callbacks)
    records = epoch_log.records()  # every epoch, aggressive or joint, across resumed processes
    os.remove(settings)
    training = {
        "epochs": epochs, "train_examples": len(train),
        "train_seconds": round(sum(r["seconds"] for r in records), 1),
        "epochs_run": len(records),
        "backend": keras.backend.backend(),
        "training_kl_per_epoch": [round(float(r["kl"]), 3) for r in records if "kl" in r],
    }
    if any("aggressive" in r for r in records):
        training["aggressive_epochs"] = sum(r.get("aggressive", False) for r in records)
    return model, training


def run_dataset(name, args, out):
    """Trains and evaluates the selected rows on one dataset, one file per row."""
    train_split, test_split = DATASETS[name]
    load = dict(data_dir=args.data_dir, binarize="static")
    train = keras_vi.datasets.load(name, split=train_split, seed=0, **load)[: args.train_examples]
    test = keras_vi.datasets.load(name, split=test_split, seed=1, **load)[: args.eval_examples]
    epochs = args.epochs[name]
    steps = epochs * int(np.ceil(len(train) / args.batch_size))
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for slug, (build, fit_kwargs) in rows(args, steps).items():
        if args.rows and slug not in args.rows:
            continue
        if time.perf_counter() - START > args.budget_seconds:
            print(f"{name} / {slug}: skipped, --budget-seconds spent", flush=True)
            continue
        model_path, training_path = (os.path.join(out, name, slug + ext) for ext in (".keras", ".training.json"))
        if args.evaluate_only:
            if not os.path.exists(training_path):
                print(f"{name} / {slug}: skipped, no {training_path}", flush=True)
                continue
            model = keras.models.load_model(model_path)
            with open(training_path) as f:
                training = json.load(f)
        else:
            model, training = train_row(build, fit_kwargs, train, epochs, args, os.path.join(out, name, slug))
            model.save(model_path)  # and training_path: the row can be evaluated again with --evaluate-only
            training["row"] = ROWS[slug]
            with open(training_path, "w") as f:
                json.dump(training, f)
        start = time.perf_counter()
        result = {**training, "test_examples": len(test), **evaluate(model, test, args)}
        result["eval_seconds"] = round(time.perf_counter() - start, 1)
        result["eval_backend"] = keras.backend.backend()
        keras_vi.plotting.plot_samples(model, os.path.join(out, f"samples_{name}_{slug}.png"),
                                       n=args.num_pictures, seed=0)
        print(name, slug, json.dumps({k: v for k, v in result.items() if k != "log_px"}), flush=True)
        with open(os.path.join(out, name, f"{slug}.json"), "w") as f:
            json.dump(result, f)


def assemble(out, name):
    """One dataset's block from <out>/<name>/<row>.json (else <out>/results_<name>.json), or None.

    Adds each row's NLL minus the PixelCNN alone's on the same test images,
    with the standard error of the per-image differences.
    """
    files = {os.path.splitext(os.path.basename(p))[0]: p for p in glob.glob(os.path.join(out, name, "*.json"))}
    if not files:
        path = os.path.join(out, f"results_{name}.json")
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)
    results = {}
    for slug in [s for s in ROWS if s in files]:
        with open(files[slug]) as f:
            result = json.load(f)
        results[result.pop("row")] = result
    first = next(iter(results.values()))
    block = {key: first[key] for key in ("epochs", "train_examples", "test_examples")}
    for row, (mean, se) in paired_differences(results, ROWS["pixelcnn_alone"]):
        results[row]["nll_minus_pixelcnn"], results[row]["nll_minus_pixelcnn_se"] = mean, se
    block["results"] = results
    return block


def paired_differences(results, reference_row):
    """(row, (mean, standard error) of NLL(row) - NLL(reference_row)) over the same test images,
    for each other row whose per-image log-likelihoods match the reference's."""
    reference = results.get(reference_row, {}).get("log_px")
    for row, result in results.items():
        if reference is None or row == reference_row or len(result.get("log_px", ())) != len(reference):
            continue
        difference = np.asarray(reference) - np.asarray(result["log_px"])
        yield row, (float(difference.mean()), float(difference.std() / np.sqrt(len(difference))))


def differences(block, slug):
    """Lines of each row's NLL minus row `slug`'s, paired over the same test images (`--against`)."""
    return [f"{row} − {ROWS[slug]}: {mean:+.2f} ± {se:.2f} nats"
            for row, (mean, se) in paired_differences(block["results"], ROWS[slug])]


def table(all_results, latent_dim):
    lines = ["| data | model | epochs | test NLL (nats) | − PixelCNN alone | KL | active units | I(x;z) | train s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, block in all_results.items():
        for row, r in block["results"].items():
            nll = f"{r['nll']:.2f} ± {r['nll_se']:.2f}" + ("" if "kl" in r else " (exact)")
            delta = "—" if "kl" not in r else (
                f"{r['nll_minus_pixelcnn']:+.2f} ± {r['nll_minus_pixelcnn_se']:.2f}" if "nll_minus_pixelcnn" in r else "n/a")
            extra = ("—", "—", "—") if "kl" not in r else (
                f"{r['kl']:.2f}", f"{r['active_units']} / {latent_dim}", f"{r['mutual_information']:.2f}")
            epochs = r.get("epochs_run", block["epochs"])
            lines.append(f"| {name} | {row} | {epochs} | {nll} | {delta} | {' | '.join(extra)} | {r['train_seconds']:.0f} |")
    return "\n".join(lines)


# What --parallel's children do not inherit: they get one dataset and one row each, and the parent assembles.
NOT_PASSED_ON = {"parallel", "datasets", "rows", "card", "from_results", "against", "budget_seconds", "epochs",
                 "verbose"}


def run_in_parallel(args):
    """Runs each (dataset, row) in its own process; their logs go to <out>/<dataset>/<row>.log."""
    options = ["--verbose", "2", "--no-assemble"]
    for key, value in vars(args).items():
        if key in NOT_PASSED_ON or value is None or value is False:
            continue
        options += ["--" + key.replace("_", "-")] + ([] if value is True else [str(value)])
    jobs = []
    for name in args.datasets:
        os.makedirs(os.path.join(args.out, name), exist_ok=True)
        for slug in args.rows or ROWS:
            log = open(os.path.join(args.out, name, f"{slug}.log"), "w")
            command = [sys.executable, os.path.abspath(__file__), *options, "--datasets", name, "--rows", slug]
            env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
            jobs.append((name, slug, log, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)))
    for name, slug, log, job in jobs:
        print(f"{name} / {slug}: exit status {job.wait()}", flush=True)
        log.close()


def plot_kl(results, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for row, r in results.items():
        kl = r.get("training_kl_per_epoch")
        if kl:  # rows measured before 2026-12-03 logged the KL of joint epochs only
            last = r.get("epochs_run", len(kl))
            ax.plot(range(last - len(kl) + 1, last + 1), kl, label=row)
    ax.set(xlabel="epoch", ylabel="training KL (nats)", title=f"KL per epoch, {title}", yscale="symlog")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None, help="directory of the MNIST / Fashion-MNIST IDX files")
    parser.add_argument("--out", default="runs/ar_vae")
    parser.add_argument("--card", default=None, help="write the table into this card")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--rows", nargs="+", default=None, choices=list(ROWS), metavar="ROW",
                        help="only these rows: " + ", ".join(ROWS))
    parser.add_argument("--epochs-mnist", type=int, default=40)
    parser.add_argument("--epochs-fashion-mnist", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--decoder-layers", type=int, default=5)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--free-bits", type=float, default=0.25)
    parser.add_argument("--max-inner-steps", type=int, default=10)
    parser.add_argument("--train-examples", type=int, default=None, help="use only the first N (a smoke run)")
    parser.add_argument("--eval-examples", type=int, default=500)
    parser.add_argument("--num-samples", type=int, default=1000, help="k of L_k")
    parser.add_argument("--eval-batch", type=int, default=10)
    parser.add_argument("--eval-chunk", type=int, default=200)
    parser.add_argument("--num-pictures", type=int, default=64)
    parser.add_argument("--train-seconds", type=float, default=float("inf"),
                        help="end a row's training after the first epoch that ends past this many seconds "
                             "(the table's epochs column says how many ran), aggressive epochs included")
    parser.add_argument("--resume", action="store_true",
                        help="continue the rows whose training was interrupted (their <row>.backup) from their "
                             "last finished epoch (rows without one start afresh)")
    parser.add_argument("--verbose", type=int, default=0, choices=(0, 1, 2), help="fit's verbosity")
    parser.add_argument("--evaluate-only", action="store_true",
                        help="train nothing: evaluate the rows' models that --out holds (<dataset>/<row>.keras)")
    parser.add_argument("--parallel", action="store_true", help="run each row and dataset in its own process")
    parser.add_argument("--no-assemble", action="store_true", help=argparse.SUPPRESS)  # --parallel's processes
    parser.add_argument("--from-results", action="store_true",
                        help="train nothing: assemble the table, results_<dataset>.json and kl_<dataset>.png "
                             "from --out's files")
    parser.add_argument("--against", default=None, choices=list(ROWS), metavar="ROW",
                        help="also print every row's NLL minus this row's, paired over the same test images")
    parser.add_argument("--budget-seconds", type=float, default=float("inf"),
                        help="skip the rows that would start after this many seconds")
    args = parser.parse_args(argv)
    if args.evaluate_only and args.from_results:
        parser.error("--evaluate-only and --from-results exclude each other")
    if args.data_dir is None and not args.from_results:
        parser.error("--data-dir is required (the directory of the MNIST and Fashion-MNIST IDX files)")
    args.epochs = {"mnist": args.epochs_mnist, "fashion_mnist": args.epochs_fashion_mnist}
    os.makedirs(args.out, exist_ok=True)
    if args.parallel:
        run_in_parallel(args)
    elif not args.from_results:
        for name in args.datasets:
            run_dataset(name, args, args.out)
    if args.no_assemble:
        return  # one process of --parallel's: the parent assembles
    all_results = {}
    for name in args.datasets:
        block = assemble(args.out, name)
        if block is None:
            continue
        all_results[name] = block
        with open(os.path.join(args.out, f"results_{name}.json"), "w") as f:
            json.dump(block, f)
        plot_kl(block["results"], os.path.join(args.out, f"kl_{name}.png"), name)
        if args.against:
            print("\n".join(f"{name}: {line}" for line in differences(block, args.against)))
    card_table = table(all_results, args.latent_dim)
    print(card_table)
    if args.card:
        replace_between(args.card, BEGIN, END, card_table)


START = time.perf_counter()

if __name__ == "__main__":
    main(sys.argv[1:])
