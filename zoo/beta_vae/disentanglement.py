"""The β-VAE card's measurement: β-VAE, β-TCVAE and FactorVAE on dSprites, several seeds.

Each run trains one model for `--steps` batches of freshly rendered dSprites
images (keras_vi.datasets.DSprites), then measures, on the same held-out images
and metric draws for every run: reconstruction (nats per image), KL, active
units, and the five disentanglement metrics (keras_vi.metrics.disentanglement)
with the sizes in METRIC_PARAMS. Results go one JSON line per run to
OUT/results.jsonl (a finished run is skipped when the script is run again);
--card rewrites the card's table from them, and traversal PNGs of seed 0 are
written beside the card.

    KERAS_BACKEND=tensorflow .venv/bin/python zoo/beta_vae/disentanglement.py \
        --out runs/beta_vae_dsprites --steps 3000 --seeds 0 1 2 --card zoo/beta_vae/README.md
"""

import argparse
import json
import os
import sys
import time

import numpy as np

CONFIGS = {  # name -> (zoo class name, keyword arguments)
    "beta_vae_1": ("BetaVAE", {"beta": 1.0}),
    "beta_vae_4": ("BetaVAE", {"beta": 4.0}),
    "beta_vae_8": ("BetaVAE", {"beta": 8.0}),
    "beta_vae_16": ("BetaVAE", {"beta": 16.0}),
    "beta_tc_vae_6": ("BetaTCVAE", {"beta": 6.0}),
    "factor_vae_35": ("FactorVAE", {"gamma": 35.0}),
}
LABELS = {
    "beta_vae_1": "β-VAE, β = 1 (the VAE)", "beta_vae_4": "β-VAE, β = 4", "beta_vae_8": "β-VAE, β = 8",
    "beta_vae_16": "β-VAE, β = 16", "beta_tc_vae_6": "β-TCVAE, β = 6", "factor_vae_35": "FactorVAE, γ = 35",
}
# disentanglement_lib's defaults are 10,000 training points each (1.3M images
# for the BetaVAE score); these sizes fit a 2-core CPU budget and are stated in the card.
METRIC_PARAMS = {
    "beta_vae_score": {"batch_size": 64, "num_train": 200, "num_eval": 100},
    "factor_vae_score": {"batch_size": 64, "num_train": 200, "num_eval": 100, "num_variance_estimate": 3000},
    "mig": {"num_train": 3000},
    "dci": {"num_train": 1000, "num_test": 500},
    "sap": {"num_train": 1000, "num_test": 500},
}
COLUMNS = [  # (key in a result, header, format)
    ("beta_vae_score", "BetaVAE score", "{:.3f}"),
    ("factor_vae_score", "FactorVAE score", "{:.3f}"),
    ("mig", "MIG", "{:.3f}"),
    ("dci_disentanglement", "DCI disent.", "{:.3f}"),
    ("sap", "SAP", "{:.3f}"),
    ("reconstruction", "reconstruction (nats)", "{:.1f}"),
    ("kl", "KL (nats)", "{:.1f}"),
    ("active_units", "active units", "{:.1f}"),
    ("train_seconds", "train s", "{:.0f}"),
]
LATENT_DIM, BATCH_SIZE, TEST_SIZE, TEST_SEED = 10, 64, 2000, 10**6
PRESET_SAMPLES = 100  # k of the preset's L_k on the held-out draws


def build(name, seed, learning_rate):
    import keras

    from keras_vi import likelihoods, zoo
    from keras_vi.zoo import networks

    class_name, kwargs = CONFIGS[name]
    shape = (64, 64)
    encoder = networks.build_disentanglement_encoder(shape, LATENT_DIM)
    decoder = networks.build_disentanglement_decoder(
        shape, LATENT_DIM, likelihoods.get("bernoulli").param_shapes(shape))
    model = getattr(zoo, class_name)(LATENT_DIM, encoder=encoder, decoder=decoder, seed=seed, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


def measure(model, data, x_test):
    from keras_vi.metrics import active_units, disentanglement

    scores = model.evaluate(x_test, batch_size=250, verbose=0, return_dict=True)
    represent = disentanglement.representation(model)
    result = {
        "reconstruction": -scores["reconstruction"], "kl": scores["kl"], "elbo": scores["elbo"],
        "active_units": active_units(model, x_test),
    }
    metric_seconds = time.perf_counter()
    for metric, params in METRIC_PARAMS.items():
        values = getattr(disentanglement, metric)(data, represent, np.random.RandomState(0), **params)
        for key, value in values.items():
            result[f"{metric}/{key}"] = value
    result["beta_vae_score"] = result["beta_vae_score/eval_accuracy"]
    result["factor_vae_score"] = result["factor_vae_score/eval_accuracy"]
    result["mig"] = result["mig/discrete_mig"]
    result["dci_disentanglement"] = result["dci/disentanglement"]
    result["sap"] = result["sap/SAP_score"]
    result["metric_seconds"] = time.perf_counter() - metric_seconds
    return result


def run(name, seed, args, data, x_test):
    import keras

    from keras_vi import plotting

    keras.utils.set_random_seed(seed)
    model = build(name, seed, args.learning_rate)
    start = time.perf_counter()
    history = model.fit(data.batches(BATCH_SIZE, args.steps, seed=seed), epochs=1, verbose=0)
    train_seconds = time.perf_counter() - start
    result = {"config": name, "seed": seed, "steps": args.steps, "backend": keras.backend.backend(),
              "train_seconds": train_seconds,
              "final_train_loss": float(history.history["loss"][-1]), **measure(model, data, x_test)}
    if seed == 0 and args.card:
        path = os.path.join(os.path.dirname(args.card), f"traversals_{name}.png")
        plotting.latent_traversals(model, x_test[:500], path)
    return result, model


def write_preset(name, result, model, x_test, args):
    """The trained run as a bundled preset, `keras_vi/presets/NAME_dsprites/`, its scores in the metadata."""
    from keras_vi import estimators

    summary = estimators.evaluation_summary(model, x_test, num_samples=PRESET_SAMPLES, seed=0)
    metric = f"test_nll_nats_L{PRESET_SAMPLES}"
    # the repository's keras_vi/presets/, as zoo/reproductions/run.py writes its rows' presets
    directory = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                             "keras_vi", "presets", f"{name}_dsprites")
    model.save_to_preset(
        directory,
        description=f"{LABELS[name]} on dSprites: disentanglement_lib's conv nets, {LATENT_DIM} latents, "
                    f"{args.steps} steps of batch {BATCH_SIZE} (zoo/beta_vae/README.md)",
        dataset=f"dsprites: {args.steps * BATCH_SIZE:,} images drawn on demand by keras_vi.datasets.DSprites",
        metrics={metric: round(summary["nll_nats"], 3),
                 "test_nll_standard_error": round(summary["nll_standard_error_over_examples"], 3),
                 **{key: round(float(result[key]), 4) for key, _, _ in COLUMNS}},
        training={"steps": args.steps, "batch_size": BATCH_SIZE, "seed": result["seed"],
                  "learning_rate": args.learning_rate, "backend": result["backend"],
                  "train_seconds": round(result["train_seconds"], 1)},
        # `keras-vi evaluate --preset` draws the same held-out images again (cli/evaluate.preset_data)
        evaluation={"dataset": "dsprites", "split": "test", "num_examples": TEST_SIZE, "seed": TEST_SEED,
                    "metric": metric, "summary_key": "nll_nats", "num_samples": PRESET_SAMPLES},
        recipe=f"python zoo/beta_vae/disentanglement.py --preset {name} --steps {args.steps}",
        card="zoo/beta_vae/README.md",
    )
    print(f"preset: {directory}")


def card_table(results):
    names = [n for n in CONFIGS if any(r["config"] == n for r in results)]
    header = "| model | seeds | " + " | ".join(h for _, h, _ in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 2)]
    for name in names:
        rows = [r for r in results if r["config"] == name]
        cells = []
        for key, _, fmt in COLUMNS:
            values = np.array([r[key] for r in rows], dtype=np.float64)
            cells.append(fmt.format(values.mean()) + " ± " + fmt.format(values.std(ddof=1) if len(values) > 1 else 0.0))
        seeds = ",".join(str(r["seed"]) for r in sorted(rows, key=lambda r: r["seed"]))
        lines.append(f"| {LABELS[name]} | {seeds} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_card(card, results, args):
    text = open(card).read()
    begin, end = "<!-- RESULTS:BEGIN -->", "<!-- RESULTS:END -->"
    if begin not in text or end not in text:
        raise ValueError(f"{card} has no {begin} ... {end} block.")
    backend = sorted({r["backend"] for r in results})
    block = (f"{begin}\n{card_table(results)}\n\nBackend: {', '.join(backend)}; {args.steps} steps of "
             f"batch {BATCH_SIZE} per run; mean ± s.d. over seeds.\n{end}")
    head, rest = text.split(begin, 1)
    open(card, "w").write(head + block + rest.split(end, 1)[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/beta_vae_dsprites")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--card", default=None, help="the card to rewrite (and write traversals beside)")
    parser.add_argument("--preset", default=None, choices=list(CONFIGS),
                        help="train this model once more (seed 0) and write it as a bundled preset")
    args = parser.parse_args(argv)

    from keras_vi.datasets import DSprites

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "results.jsonl")
    results = [json.loads(line) for line in open(path)] if os.path.exists(path) else []
    data = DSprites()
    x_test = data.sample(TEST_SIZE, np.random.RandomState(TEST_SEED))[1]
    if args.preset:  # one more run of seed 0, kept as a preset; its scores go to OUT/presets.jsonl
        result, model = run(args.preset, 0, args, data, x_test)
        with open(os.path.join(args.out, "presets.jsonl"), "a") as f:
            f.write(json.dumps(result) + "\n")
        write_preset(args.preset, result, model, x_test, args)
        return 0
    for seed in args.seeds:
        for name in args.configs:
            if any(r["config"] == name and r["seed"] == seed and r["steps"] == args.steps for r in results):
                continue
            result, _ = run(name, seed, args, data, x_test)
            results.append(result)
            with open(path, "a") as f:
                f.write(json.dumps(result) + "\n")
            print(f"{name} seed {seed}: " + ", ".join(
                f"{k} {result[k]:.3f}" for k, _, _ in COLUMNS) + f", metrics {result['metric_seconds']:.0f} s",
                flush=True)
    if args.card:
        write_card(args.card, [r for r in results if r["steps"] == args.steps], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
