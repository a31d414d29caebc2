"""Posterior collapse on binarized digits: a plain VAE against the remedies.

    python zoo/vae/collapse.py --out runs/collapse   (then see zoo/vae/README.md)

Trains the same VAE (default conv net, latent_dim 10, Adam 1e-3, batch 64) on
scikit-learn's 1437 training digits, binarized once (seed 0; aggressive
training samples its own batches from a NumPy array), four ways: plain, free bits
(0.5 nats per unit), linear KL annealing (over the first 40% of steps) and
aggressive inference-network training. Reports, on the 360 held-out digits
(binarized once, seed 1): L_500 test NLL, the one-sample ELBO, KL, active units
and I(x; z). Writes results.json, the card's table and collapse.png (the KL per
epoch of each variant (for aggressive training, the joint epochs after its
aggressive phase), and each unit's KL on the held-out digits at the end).
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_vi  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from write_card import replace_between  # noqa: E402  (zoo/write_card.py)

BEGIN, END = "<!-- COLLAPSE:BEGIN -->", "<!-- COLLAPSE:END -->"


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--out", default="runs/collapse")
    parser.add_argument("--card", default=os.path.join(os.path.dirname(__file__), "README.md"))
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    train = keras_vi.datasets.load("digits", binarize="static", seed=0)
    test = keras_vi.datasets.load("digits", split="test", binarize="static", seed=1)
    steps = args.epochs * int(np.ceil(len(train) / 64))
    variants = {
        "plain": ({}, []),
        "free bits 0.5": ({"free_bits": 0.5}, []),
        "KL annealing (linear)": (
            {}, [keras_vi.callbacks.KLAnnealing("linear", warmup_steps=int(0.4 * steps))]),
        "aggressive": ({"aggressive": True}, []),
    }
    results, curves = {}, {}
    for name, (kwargs, callbacks) in variants.items():
        keras.utils.set_random_seed(0)
        model = keras_vi.zoo.VAE(latent_dim=10, seed=0, **kwargs)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        start = time.perf_counter()
        history = model.fit(train, epochs=args.epochs, batch_size=64, verbose=0, callbacks=callbacks)
        seconds = time.perf_counter() - start
        logs = model.evaluate(test, verbose=0, return_dict=True)
        nll = -keras_vi.estimators.log_likelihood(model, test, num_samples=500, seed=0).log_likelihood
        results[name] = {
            "nll_nats_L500": float(nll.mean()),
            "elbo": logs["elbo"],
            "kl": logs["kl"],
            "active_units": keras_vi.metrics.active_units(model, test),
            "mutual_information": keras_vi.metrics.mutual_information(model, test),
            "train_seconds": round(seconds, 1),
            "kl_per_dimension": [float(v) for v in keras_vi.metrics.kl_per_dimension(model, test)],
        }
        curves[name] = history.history["kl"]  # joint epochs only: aggressive ones log no KL
        results[name]["training_kl_per_epoch"] = [round(float(v), 4) for v in curves[name]]
        print(name, results[name], flush=True)
    record = {"epochs": args.epochs, "backend": keras.backend.backend(), "date": time.strftime("%Y-%m-%d"),
              "machine": keras_vi.utils.machine(), "results": results}
    # the raw results in the run and beside the card (results/collapse.json)
    raw = os.path.join(os.path.dirname(args.card), "results", "collapse.json")
    os.makedirs(os.path.dirname(raw), exist_ok=True)
    for path in (os.path.join(args.out, "results.json"), raw):
        with open(path, "w") as f:
            json.dump(record, f, indent=2)
    rows = ["| variant | test NLL (L_500) | test ELBO | KL | active units | I(x;z) | train s |",
            "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        rows.append(f"| {name} | {r['nll_nats_L500']:.2f} | {r['elbo']:.2f} | {r['kl']:.2f} | "
                    f"{r['active_units']} / 10 | {r['mutual_information']:.2f} | {r['train_seconds']:.0f} |")
    rows.append(f"\nMeasured {record['date']} on {record['backend']}, {record['machine']}; raw results in "
                "`results/collapse.json`.")
    replace_between(args.card, BEGIN, END, "\n".join(rows))
    plot(results, curves, os.path.join(os.path.dirname(args.card), "collapse.png"))


def plot(results, curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    width = 0.8 / len(results)
    epochs = max(len(kl) for kl in curves.values())
    for i, (name, kl) in enumerate(curves.items()):
        left.plot(range(epochs - len(kl) + 1, epochs + 1), kl, label=name)
        per_dim = sorted(results[name]["kl_per_dimension"], reverse=True)
        right.bar(np.arange(len(per_dim)) + i * width, per_dim, width, label=name)
    left.set(xlabel="epoch", ylabel="training KL (nats)", title="KL per epoch")
    right.set(xlabel="latent unit (sorted)", ylabel="held-out KL (nats)", title="KL per unit, end of training")
    left.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1:])
