"""`keras-vi evaluate`: a trained run's test NLL and collapse diagnostics, on its held-out split."""

import json
import os
import time


def eval_split_entry(train_args):
    """The held-out split of a training run, as a preset's `evaluation` entry records it.

    It is binarized once (static, seed + 1) when training binarized, so every
    evaluation of every model sees the same data.
    """
    return {"dataset": train_args["dataset"], "split": train_args["eval_split"],
            "raw": train_args.get("raw", False), "binarize": train_args["binarize"] and "static",
            "seed": train_args["seed"] + 1, "flatten": train_args.get("flatten", False)}


def load_eval_split(train_args):
    """The held-out split of a training run, as `train` and `evaluate` see it (`eval_split_entry`)."""
    return preset_data(eval_split_entry(train_args), train_args["data_dir"])


def preset_data(evaluation, data_dir=None, split=None):
    """The held-out data that a preset's metadata names (its `evaluation` entry), or a slice of it.

    `dataset` "dsprites" is `num_examples` draws of `datasets.DSprites` with `seed` (the
    grid has no split of its own); any other name goes through `datasets.load` with the
    entry's `raw`, `binarize`, `seed` and `flatten` (as `keras-vi train` read its data).
    """
    import numpy as np

    from keras_vi import datasets
    from keras_vi.datasets.load import _parse_split

    split = split or evaluation["split"]
    if evaluation["dataset"] == "dsprites":
        _, window = _parse_split(split)
        draws = datasets.DSprites().sample(evaluation["num_examples"], np.random.RandomState(evaluation["seed"]))[1]
        return draws[window]
    return datasets.load(evaluation["dataset"], split=split, data_dir=data_dir,
                         scale=not evaluation.get("raw", False), binarize=evaluation.get("binarize"),
                         seed=evaluation.get("seed", 0), flatten=evaluation.get("flatten", False))


def summarize(model, x, args):
    """`keras-vi evaluate`'s numbers: a VQ-VAE's reconstruction, codebook and exact prior NLL;
    for any other model, the held-out NLL by importance sampling and its collapse diagnostics."""
    from keras_vi import estimators, zoo

    if isinstance(model, zoo.VQVAE):
        from keras_vi.cli.models import vq_vae_test_metrics

        return {"num_examples": int(len(x)), **vq_vae_test_metrics(model, x)}
    return estimators.evaluation_summary(model, x, num_samples=args.num_samples, proposal=args.proposal,
                                         batch_size=args.batch_size, seed=args.seed)


def standard_error(summary, key):
    """The standard error over examples of the summary's number `key` (None where there is none)."""
    if key == "nll_nats":
        return summary["nll_standard_error_over_examples"]
    if key == "bits_per_dim":  # nats per example / (D ln 2)
        return summary["nll_standard_error_over_examples"] * summary["bits_per_dim"] / summary["nll_nats"]
    if key == "prior_nll_nats_per_image":
        return summary["prior_nll_standard_error"]
    return None


def evaluate_preset(args):
    """A preset's metric on its test split (from its metadata), beside the metadata's value."""
    from keras_vi.zoo import presets

    model = presets.load_preset(args.preset)
    with open(os.path.join(presets.resolve(args.preset), presets.METADATA)) as f:
        meta = json.load(f)
    evaluation = meta.get("evaluation")
    if not evaluation:
        raise ValueError(f"`preset` {args.preset!r} says nothing of how to evaluate it (no 'evaluation' in its metadata).")
    x = preset_data(evaluation, args.data_dir, args.split)
    summary = summarize(model, x, args)
    metric, key = evaluation["metric"], evaluation.get("summary_key", "nll_nats")
    result = {"preset": args.preset, "split": args.split or evaluation["split"],
              "metadata": {metric: meta.get("metrics", {}).get(metric)},
              "measured": {metric: summary[key], "standard_error": standard_error(summary, key)}, **summary}
    print(json.dumps({k: v for k, v in result.items() if k != "kl_per_dimension"}, indent=2))
    return result


def evaluate(args):
    """A run's or a preset's held-out numbers (`summarize`), written to RUN_DIR/evaluation.json."""
    if getattr(args, "preset", None) is not None:
        if args.run_dir is not None:
            raise ValueError("`keras-vi evaluate` takes a run directory or `--preset`, not both.")
        return evaluate_preset(args)
    if args.run_dir is None:
        raise ValueError("`keras-vi evaluate` needs a run directory (written by `keras-vi train`) or `--preset`.")
    metrics_path = os.path.join(args.run_dir, "metrics.json")
    model_path = os.path.join(args.run_dir, "model.keras")
    for path in (metrics_path, model_path):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"`run_dir`: {path} is missing; run `keras-vi train` first.")
    import keras

    from keras_vi import utils

    with open(metrics_path) as f:
        train_args = json.load(f)["data"]
    x = load_eval_split(train_args)
    model = keras.saving.load_model(model_path)
    result = {
        "run_dir": args.run_dir,
        "backend": keras.backend.backend(),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "machine": utils.machine(),
        "split": train_args["eval_split"],
        **summarize(model, x, args),
    }
    with open(os.path.join(args.run_dir, "evaluation.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps({k: v for k, v in result.items() if k != "kl_per_dimension"}, indent=2))
    return result
