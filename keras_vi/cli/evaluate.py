"""`keras-vi evaluate`: a trained run's test NLL and collapse diagnostics, on its held-out split."""

import json
import os


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
        scale=not train_args.get("raw", False),
        binarize=train_args["binarize"] and "static",
        seed=train_args["seed"] + 1,
        flatten=train_args.get("flatten", False),
    )


def evaluate(args):
    """Test NLL (nats and bits/dim) by importance sampling, and collapse diagnostics."""
    metrics_path = os.path.join(args.run_dir, "metrics.json")
    model_path = os.path.join(args.run_dir, "model.keras")
    for path in (metrics_path, model_path):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"`run_dir`: {path} is missing; run `keras-vi train` first.")
    import keras

    from keras_vi import estimators

    with open(metrics_path) as f:
        train_args = json.load(f)["data"]
    x = load_eval_split(train_args)
    model = keras.saving.load_model(model_path)
    result = {
        "run_dir": args.run_dir,
        "backend": keras.backend.backend(),
        "split": train_args["eval_split"],
        **estimators.evaluation_summary(model, x, num_samples=args.num_samples,
                                        proposal=args.proposal, batch_size=args.batch_size,
                                        seed=args.seed),
    }
    with open(os.path.join(args.run_dir, "evaluation.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps({k: v for k, v in result.items() if k != "kl_per_dimension"}, indent=2))
    return result
