"""RESULTS.md from the measurements of `python -m benchmarks.run` (or its .jsonl, `--from-jsonl`)."""


def growth_lines(growth):
    """RESULTS.md's section on how cost grows with batch, latent and image size."""
    dates = sorted({r.get("date", "") for r in growth} - {""})
    lines = ["", "## How cost grows: batch size, latent size, image size", "",
             "`python -m benchmarks.growth` per measurement, each in a fresh process"
             + (f" (measured {', '.join(dates)})" if dates else "") + ": keras_vi's VAE with the default "
             "networks and `compile()`'s default optimizer, `fit` on random binary data, the median of "
             "the epochs after the first (which compiles). MLP 784-512-256 (28x28 images as vectors) for "
             "batch and latent size; the conv net for image size (square images, batch 64). Peak memory "
             "is the process' peak resident set on the CPU (`ru_maxrss`); the growth over the resident set "
             "before the model was built is what the model, optimizer and training step take.", "",
             "| grows | backend | arch | batch | latent | image | parameters | examples/s (min–max) | "
             "ms/step | peak RSS MB | growth MB |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in growth:
        low, high = r["examples_per_s_min_max"]
        lines.append(
            f"| {r['grows']} | {r['backend']} | {r['arch']} | {r['batch_size']} | {r['latent_dim']} | "
            f"{r['image_size']}x{r['image_size']} | {r['parameters']:,} | {r['examples_per_s']:,.0f} "
            f"({low:,.0f}–{high:,.0f}) | {1e3 * r['batch_size'] / r['examples_per_s']:.1f} | "
            f"{r['peak_rss_mb']:.0f} | {r['peak_rss_mb'] - r['rss_before_mb']:.0f} |")
    return lines


def scaling_lines(rows):
    from benchmarks.scaling import table

    return ["", "## Data parallel (JAX, virtual CPU devices) and mixed precision", "",
            "`benchmarks/scaling.py`: the MLP VAE, examples/s of `fit`. On a CPU the two "
            "\"devices\" split the same cores: the figure is what splitting a batch costs, not "
            "what two accelerators give; mixed precision is for accelerators.", ""] + table(rows)


def median_processes(train):
    """One (measurement, ratios) per row of the table: of a row run in several processes, the
    process whose keras_vi / plain Keras ratio is the median, and every process' ratio in order."""
    rows = {}
    for r in train:
        rows.setdefault((r["backend"], r["case"], r["jit_compile"], r["loop"]), []).append(r)
    for runs in rows.values():
        ratios = [r.get("time_ratio_keras_vi_over_plain_keras", float("nan")) for r in runs]
        median = sorted(range(len(runs)), key=lambda i: ratios[i])[(len(runs) - 1) // 2]
        yield runs[median], ratios


def write_report(args, train, loglik, profiles, peers, meta, growth=(), ar_vae=(), scaling=()):
    """Writes RESULTS.md from the measurements; 0 if every case did the same work."""
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks.run{' --smoke' if args.smoke else ''}` on "
        f"{meta['date']}: {meta['cores']} cores ({meta['cpu']}), Python {meta['python']}, "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ". The raw "
        "measurements are in the .jsonl file next to this one.",
        "",
        "## Training throughput: keras_vi against plain Keras and a hand-written loop",
        "",
        "The bold column is keras_vi's own overhead: its `fit` against the same networks, weights "
        "and loss written as a plain `keras.Model` with `compute_loss` (benchmarks/plain_keras.py), "
        "trained by Keras' `fit` with the same `keras.optimizers.Adam` (goal: at most 1.05). The "
        "hand-written loop is reported, not a goal. The step-0 losses are keras_vi / plain Keras / "
        "hand-written / float64 NumPy.",
        "",
        "Batch 128 of binarized MNIST (784 pixels), latent 32, `keras.optimizers.Adam(1e-3)`, "
        "keras_vi's default networks (`keras.layers` only): `*_mlp` MLP 784-512-256 and back (`Dense`); "
        "`vae_conv` 28x28 images, conv 32-64 "
        "(3x3, stride 2), dense 256, and back through transposed convs. "
        f"{args.steps} steps per timing for vae_mlp and {max(args.steps // 2, 1)} for the slower "
        f"cases, {args.repeats} timing{'s' if args.repeats != 1 else ''} after a warm-up epoch: keras_vi and plain Keras "
        "per epoch of `model.fit` on NumPy arrays, one epoch each in turn, which of the two goes first "
        "alternating (fit's one-time set-up left out; or, where the loop column says so, a loop of Keras' `train_on_batch`), then the "
        "hand-written step (benchmarks/handwritten.py: "
        "same math, same initial weights, the backend's own autodiff and optimizer loop; "
        "`jax.jit`, eager PyTorch, and on TensorFlow both an XLA step and a plain graph step, "
        "the faster one being the baseline; `torch.optim.Adam`, whose CPU default is its for-loop "
        "update, on PyTorch). `same work` checks, before timing, that "
        "keras_vi, the hand-written loss and a float64 NumPy loss (convolutions computed tap "
        "by tap) agree at step 0 for the same weights and noise, to 1e-4 relative. "
        "The rows of Keras' defaults (`fit`, jit_compile auto) are each measured in "
        f"{meta.get('processes', 1)} fresh processes, since their ratio varies more between processes "
        "than between the timings of one: a row shows the process of median ratio, and the last "
        "column every process' ratio.",
        "",
        "| backend | case | keras_vi jit_compile | keras_vi loop | same work (step-0 loss) | keras_vi ex/s "
        "(median; min–max) | plain Keras ex/s (median) | **time ratio keras_vi / plain Keras** "
        "| hand-written ex/s (median; min–max) | hand-written step | time ratio "
        "keras_vi / hand-written | TensorFlow: hand-written step without XLA, ex/s (ratio) "
        "| time ratio keras_vi / plain Keras in each process |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    variants = {"jax": "jax.jit", "torch": "eager", "handwritten_xla": "tf.function, XLA",
                "handwritten_no_xla": "tf.function, no XLA"}
    for r, ratios in median_processes(train):
        kv, hw = r["keras_vi"], r["handwritten"]
        plain = r.get("plain_keras")  # older runs have no plain Keras column
        plain_cells = (f"{plain['median_examples_per_s']:.0f} | {r['time_ratio_keras_vi_over_plain_keras']:.2f}"
                       if plain else " | ")
        variant = variants.get(r["backend"]) or variants[r["handwritten_variant"]]
        lines.append(
            f"| {r['backend']} | {r['case']} | {r['jit_compile']} | `{r['loop']}` | "
            f"{'yes' if r['same_work'] else 'NO'} "
            f"({r['step0_loss']['keras_vi']:.4f} / {r['step0_loss'].get('plain_keras', float('nan')):.4f} / "
            f"{r['step0_loss']['handwritten']:.4f} / "
            f"{r['step0_loss']['numpy_float64']:.4f}) | {kv['median_examples_per_s']:.0f}; "
            f"{kv['min_examples_per_s']:.0f}–{kv['max_examples_per_s']:.0f} | {plain_cells} | "
            f"{hw['median_examples_per_s']:.0f}; {hw['min_examples_per_s']:.0f}–"
            f"{hw['max_examples_per_s']:.0f} | {variant} | "
            f"{r['time_ratio_keras_vi_over_handwritten']:.2f} | "
            + (f"{r['handwritten_no_xla']['median_examples_per_s']:.0f} "
               f"({r['handwritten_no_xla']['median_examples_per_s'] / kv['median_examples_per_s']:.2f})"
               if "handwritten_no_xla" in r else "") + " | "
            + (", ".join(f"{x:.2f}" for x in ratios) if len(ratios) > 1 else "") + " |"
        )
    unsteady = [r for r in train if max(r["keras_vi"]["seconds"]) > 1.5 * min(r["keras_vi"]["seconds"])]
    if unsteady:
        lines += ["", "keras_vi's timings that vary by more than 1.5x (seconds per timing, in order):", ""]
        lines += [f"- {r['backend']} {r['case']} (jit_compile {r['jit_compile']}, `{r['loop']}`): "
                  + ", ".join(f"{t:.2f}" for t in r["keras_vi"]["seconds"]) + "; hand-written: "
                  + ", ".join(f"{t:.2f}" for t in r["handwritten"]["seconds"]) for r in unsteady]
    lines += [
        "",
        "## log_likelihood: throughput and peak memory as k grows",
        "",
        "`keras_vi.estimators.log_likelihood(model, x, num_samples=k)` on 100 examples of 784 "
        "dimensions (the same MLP VAE), each k in a fresh process; peak resident memory of that "
        "process (`ru_maxrss`), with the memory before the estimate for reference.",
        "",
        "| backend | k | seconds | samples/s | peak RSS MB | RSS before MB |",
        "|---|---|---|---|---|---|",
    ]
    for r in loglik:
        lines.append(f"| {r['backend']} | {r['num_samples']} | {r['seconds']:.2f} | "
                     f"{r['samples_per_s']:.0f} | {r['peak_rss_mb']:.0f} | {r['rss_before_mb']:.0f} |")
    if growth:
        lines += growth_lines(growth)
    if ar_vae:
        from benchmarks.ar_vae import report_lines

        lines += report_lines(ar_vae)
    if scaling:
        lines += scaling_lines(scaling)
    if profiles:
        lines += ["", "## Where the time goes: vae_mlp under cProfile", "",
                  "`python -m benchmarks.profile_fit` on TensorFlow and PyTorch, this case: 200 "
                  "steps of keras_vi's `fit` (its second epoch, as timed above) and of the "
                  "hand-written loop, each part's cumulative time per step. cProfile slows Python-heavy code more than compiled code, so the "
                  "totals are above the timings above; the proportions are the point.", "",
                  "| backend | keras_vi part | ms/step | hand-written part | ms/step |",
                  "|---|---|---|---|---|"]
        for r in profiles:
            kv, hw = r["keras_vi"], r["handwritten"]
            for i in range(max(len(kv), len(hw))):
                left = kv[i] if i < len(kv) else ("", None)
                right = hw[i] if i < len(hw) else ("", None)
                fmt = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731
                lines.append(f"| {r['backend']} | {left[0]} | {fmt(left[1])} | {right[0]} | "
                             f"{fmt(right[1])} |")
        for r in profiles:
            if r.get("noise_ms"):
                lines += ["", f"{r['backend']}: one draw of the IWAE k=50 step's noise, shape "
                          "(50, 128, 32), inside a `tf.function` (ms): " + "; ".join(
                              f"{name} {ms:.2f}" for name, ms in r["noise_ms"].items()) + "."]
    if peers:
        lines += ["", "## Peers (PyTorch)", "",
                  "benchmarks/peers.py: pythae's `VAE` with the same MLP, batch and Adam, trained "
                  "by its own trainer (`BaseTrainer`, per epoch, as keras_vi's `fit`) and, epoch by "
                  "epoch in turn, by the bare loop at its core and by keras_vi's `fit`; "
                  "vector-quantize-pytorch's `VectorQuantize` "
                  "against `keras_vi.layers.VectorQuantizer` (EMA 0.99, commitment 0.25), forward "
                  "in training mode and backward on (128, 49, 16) inputs, torch backend.", ""]
        for r in peers:
            if r["case"] == "pythae_vae_mlp":
                ours = next((t for t in train if (t["backend"], t["case"], t["jit_compile"], t["loop"])
                             == ("torch", "vae_mlp", "auto", "fit")), None)
                trainer = r.get("trainer")  # older runs timed the bare loop only
                if "keras_vi_fit" in r:  # measured interleaved with pythae's epochs
                    ours_text = f"; keras_vi on PyTorch, `fit` epochs in turn with these: {rate(r['keras_vi_fit'])}."
                elif ours:
                    ours_text = f"; keras_vi on PyTorch (`fit`, above, another process): {rate(ours['keras_vi'])}."
                else:
                    ours_text = "."
                lines.append(
                    "- pythae VAE: "
                    + (f"its trainer {rate(trainer)}; " if trainer else "")
                    + f"its bare loop {rate(r)}" + ours_text
                )
            else:
                lines.append(
                    f"- VectorQuantizer: keras_vi {r['keras_vi']['median_calls_per_s']:.1f} calls/s, "
                    f"vector-quantize-pytorch {r['vector_quantize_pytorch']['median_calls_per_s']:.1f} "
                    "calls/s (median)."
                )
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", args.out)
    return 0 if all(r["same_work"] for r in train) else 1


def rate(r):
    """'median examples/s (min–max)' of a timing."""
    return (f"{r['median_examples_per_s']:.0f} examples/s (median; "
            f"{r['min_examples_per_s']:.0f}–{r['max_examples_per_s']:.0f})")
