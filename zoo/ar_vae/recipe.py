"""Posterior collapse with an autoregressive decoder, and its remedies: the ARVAE card.

    python zoo/ar_vae/recipe.py --data-dir ../shared/data --out runs/ar_vae [--card zoo/ar_vae/README.md]

On binarized MNIST (the test set's first 8,000 images to train, the last 2,000 to
test) and binarized Fashion-MNIST (60,000 / 10,000), each binarized once (train
seed 0, test seed 1), trains seven models with latent_dim 32, Adam(1e-3):
a VAE with a factorized Bernoulli decoder (the default conv networks), a
PixelCNN alone (the decoder's network, no z), and the ARVAE (a conditional
two-stack gated PixelCNN decoder) plain, with free bits, with linear KL
annealing, with aggressive inference-network training, and with a restricted
receptive field (VLAE). Reports, on the first `--eval-examples` test images:
NLL (L_k, k = `--num-samples`; the PixelCNN's exact NLL) ± its standard error
over the images, KL(q(z|x) || p(z)), active units, I(x; z) and training
seconds; writes results.json, the card's table, samples_<dataset>_<row>.png and
kl_<dataset>.png (training KL per epoch).
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_vi  # noqa: E402
from keras_vi._tensorflow import set_random_seed  # noqa: E402  (seeds TensorFlow quietly where installed)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from write_card import replace_between  # noqa: E402  (zoo/write_card.py)

BEGIN, END = "<!-- RESULTS:BEGIN -->", "<!-- RESULTS:END -->"
DATASETS = {  # name: (train split, test split)
    "mnist": ("test[:8000]", "test[8000:]"),
    "fashion_mnist": ("train", "test"),
}


def rows(args, steps):
    """name: (constructor, fit keyword arguments) of each row."""
    ar = dict(latent_dim=args.latent_dim, decoder_layers=args.decoder_layers,
              decoder_filters=args.filters, seed=0)
    annealing = keras_vi.callbacks.KLAnnealing("linear", warmup_steps=max(1, steps // 2))
    return {
        "VAE (factorized decoder)": (lambda: keras_vi.zoo.VAE(latent_dim=args.latent_dim, seed=0), {}),
        "PixelCNN alone": (lambda: keras_vi.zoo.PixelCNN(
            2, num_layers=args.decoder_layers, filters=args.filters, seed=0), {}),
        "ARVAE plain": (lambda: keras_vi.zoo.ARVAE(**ar), {}),
        "ARVAE + free bits": (lambda: keras_vi.zoo.ARVAE(**ar, free_bits=args.free_bits), {}),
        "ARVAE + KL annealing": (lambda: keras_vi.zoo.ARVAE(**ar), {"callbacks": [annealing]}),
        "ARVAE + restricted receptive field": (lambda: keras_vi.zoo.ARVAE(
            **{**ar, "decoder_layers": 1}, first_kernel_size=3), {}),
        "ARVAE + aggressive training": (lambda: keras_vi.zoo.ARVAE(
            **ar, aggressive=True, max_inner_steps=args.max_inner_steps), {}),
    }


def evaluate(model, test, args):
    """The card's columns for one trained model on the test images."""
    if isinstance(model, keras_vi.zoo.PixelCNN):
        log_px = np.concatenate([keras.ops.convert_to_numpy(model.log_prob(test[i:i + 500]))
                                 for i in range(0, len(test), 500)])
        return {"nll": float(-log_px.mean()), "nll_se": float(log_px.std() / np.sqrt(len(log_px)))}
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
    }


def run_dataset(name, args, out):
    train_split, test_split = DATASETS[name]
    load = dict(data_dir=args.data_dir, binarize="static")
    train = keras_vi.datasets.load(name, split=train_split, seed=0, **load)[: args.train_examples]
    test = keras_vi.datasets.load(name, split=test_split, seed=1, **load)[: args.eval_examples]
    epochs = args.epochs[name]
    steps = epochs * int(np.ceil(len(train) / args.batch_size))
    results, curves = {}, {}
    for row, (build, fit_kwargs) in rows(args, steps).items():
        if args.rows and not any(r.lower() in row.lower() for r in args.rows):
            continue
        if time.perf_counter() - START > args.budget_seconds:
            print(f"{name} / {row}: skipped, --budget-seconds spent", flush=True)
            continue
        set_random_seed(0)
        model = build()
        data, held_out = train, test
        if isinstance(model, keras_vi.zoo.PixelCNN):
            data, held_out = train.astype("int32"), test.astype("int32")
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        start = time.perf_counter()
        history = model.fit(data, epochs=epochs, batch_size=args.batch_size, verbose=0, **fit_kwargs)
        seconds = time.perf_counter() - start
        result = {"train_seconds": round(seconds, 1), **evaluate(model, held_out, args)}
        result["eval_seconds"] = round(time.perf_counter() - start - seconds, 1)
        curves[row] = [float(v) for v in history.history.get("kl", [])]
        result["training_kl_per_epoch"] = [round(v, 3) for v in curves[row]]
        if "aggressive_mutual_information" in history.history:
            result["aggressive_epochs"] = len(history.history["aggressive_mutual_information"])
        slug = row.split(" (")[0].replace(" + ", "_").replace(" ", "_").lower()
        keras_vi.plotting.plot_samples(model, os.path.join(out, f"samples_{name}_{slug}.png"),
                                       n=args.num_pictures, seed=0)
        results[row] = result
        print(name, row, json.dumps(result), flush=True)
        with open(os.path.join(out, f"results_{name}.json"), "w") as f:  # after every row
            json.dump({"epochs": epochs, "train_examples": len(train), "test_examples": len(test),
                       "results": results}, f, indent=2)
    plot_kl(curves, epochs, os.path.join(out, f"kl_{name}.png"), name)
    return {"epochs": epochs, "train_examples": len(train), "test_examples": len(test), "results": results}


def table(all_results, args):
    lines = ["| data | model | test NLL (nats) | KL | active units | I(x;z) | train s |",
             "|---|---|---|---|---|---|---|"]
    for name, block in all_results.items():
        for row, r in block["results"].items():
            nll = f"{r['nll']:.2f} ± {r['nll_se']:.2f}" + ("" if "kl" in r else " (exact)")
            extra = ("—", "—", "—") if "kl" not in r else (
                f"{r['kl']:.2f}", f"{r['active_units']} / {args.latent_dim}", f"{r['mutual_information']:.2f}")
            lines.append(f"| {name} | {row} | {nll} | {' | '.join(extra)} | {r['train_seconds']:.0f} |")
    return "\n".join(lines)


def plot_kl(curves, epochs, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for row, kl in curves.items():
        if kl:  # aggressive training logs the KL of its joint epochs only
            ax.plot(range(epochs - len(kl) + 1, epochs + 1), kl, label=row)
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
    parser.add_argument("--rows", nargs="+", default=None, help="only the rows whose names contain one of these")
    parser.add_argument("--epochs-mnist", type=int, default=20)
    parser.add_argument("--epochs-fashion-mnist", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--decoder-layers", type=int, default=5)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--free-bits", type=float, default=0.25)
    parser.add_argument("--max-inner-steps", type=int, default=10)
    parser.add_argument("--train-examples", type=int, default=None, help="use only the first N (a smoke run)")
    parser.add_argument("--eval-examples", type=int, default=1000)
    parser.add_argument("--num-samples", type=int, default=1000, help="k of L_k")
    parser.add_argument("--eval-batch", type=int, default=10)
    parser.add_argument("--eval-chunk", type=int, default=200)
    parser.add_argument("--num-pictures", type=int, default=64)
    parser.add_argument("--from-results", action="store_true",
                        help="train nothing: redraw kl_<dataset>.png and the table from --out's results_<dataset>.json")
    parser.add_argument("--budget-seconds", type=float, default=float("inf"),
                        help="skip the rows that would start after this many seconds")
    args = parser.parse_args(argv)
    if args.data_dir is None and not args.from_results:
        parser.error("--data-dir is required (the directory of the MNIST and Fashion-MNIST IDX files)")
    args.epochs = {"mnist": args.epochs_mnist, "fashion_mnist": args.epochs_fashion_mnist}
    os.makedirs(args.out, exist_ok=True)
    all_results = {}
    for name in args.datasets:
        if args.from_results:
            path = os.path.join(args.out, f"results_{name}.json")
            if os.path.exists(path):
                with open(path) as f:
                    all_results[name] = json.load(f)
                curves = {row: r["training_kl_per_epoch"] for row, r in all_results[name]["results"].items()}
                plot_kl(curves, all_results[name]["epochs"], os.path.join(args.out, f"kl_{name}.png"), name)
            continue
        all_results[name] = run_dataset(name, args, args.out)
    if args.from_results:
        print(table(all_results, args))
        if args.card:
            replace_between(args.card, BEGIN, END, table(all_results, args))
        return
    summary = {"backend": keras.backend.backend(), "keras": keras.__version__, "arguments": vars(args),
               "datasets": all_results}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(summary, f, indent=2, default=str)
    print(table(all_results, args))
    if args.card:
        replace_between(args.card, BEGIN, END, table(all_results, args))


START = time.perf_counter()

if __name__ == "__main__":
    main(sys.argv[1:])
