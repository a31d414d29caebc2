"""`keras-vi presets`: the bundled presets as a table."""


def list_presets():
    """Prints the bundled presets as a table."""
    import os

    from keras_vi.zoo import presets

    print("| preset | class | dataset | metric | MB |")
    print("|---|---|---|---|---|")
    for name, meta in presets.bundled_presets().items():
        folder = os.path.join(presets.BUNDLED, name)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) / 2**20
        evaluation = meta.get("evaluation", {})
        metric = evaluation.get("metric")
        value = meta.get("metrics", {}).get(metric)
        print(f"| {name} | {meta['class_name']} | {evaluation.get('dataset', '?')} | "
              f"{metric} = {value} | {size:.1f} |")


def save_run_as_preset(args):
    """`keras-vi save-preset RUN_DIR DIRECTORY`: a run's model, with its evaluation as the metric."""
    import json
    import os

    import keras

    paths = {name: os.path.join(args.run_dir, name) for name in ("metrics.json", "evaluation.json", "model.keras")}
    for name, path in paths.items():
        if not os.path.isfile(path):
            step = "keras-vi evaluate RUN_DIR" if name == "evaluation.json" else "keras-vi train"
            raise FileNotFoundError(f"`run_dir`: {path} is missing; run `{step}` first.")
    with open(paths["metrics.json"]) as f:
        run = json.load(f)
    with open(paths["evaluation.json"]) as f:
        evaluation = json.load(f)
    from keras_vi.cli.evaluate import eval_split_entry, standard_error

    if args.metric not in evaluation:
        raise ValueError(f"`metric` {args.metric!r} is not in {paths['evaluation.json']} "
                         f"(it has {', '.join(sorted(k for k, v in evaluation.items() if isinstance(v, float)))}).")
    data, k = run["data"], evaluation.get("num_samples")
    metric = f"test_{args.metric}" + (f"_L{k}" if k else "")  # an importance-sampled bound names its k
    error = standard_error(evaluation, args.metric)  # None for one test example
    metrics = {metric: round(evaluation[args.metric], 4),
               "test_standard_error": None if error is None else round(error, 4),
               "num_test_examples": evaluation["num_examples"]}
    if "nll_nats" in evaluation and args.metric != "nll_nats":
        metrics[f"test_nll_nats_L{k}"] = round(evaluation["nll_nats"], 4)
    for key in ("active_units", "latent_dim", "kl", "reconstruction_mse", "perplexity", "codebook_usage",
                "prior_bits_per_dim"):
        if evaluation.get(key) is not None and key != args.metric:
            metrics[key] = evaluation[key]
    model = keras.saving.load_model(paths["model.keras"])
    model.save_to_preset(
        args.directory,
        description=args.description,
        dataset=f"{data['dataset']}: {run['num_train_examples']:,} training examples ({data['split']})",
        metrics=metrics,
        training={"epochs": run["training"]["epochs"], "batch_size": run["training"]["batch_size"],
                  "train_seconds": run["train_seconds"], "backend": run["backend"],
                  # where and when it trained (an older metrics.json does not say)
                  **{k: run[k] for k in ("date", "machine") if k in run}},
        # how `keras-vi evaluate --preset` reads the run's held-out data again (cli/evaluate.preset_data)
        evaluation={**eval_split_entry(data), "metric": metric, "summary_key": args.metric,
                    **({"num_samples": k} if k else {})},
        recipe=args.recipe,
        card=args.card,
    )
    print(f"preset: {args.directory}")
    return args.directory
