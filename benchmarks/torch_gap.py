"""PyTorch: where keras_vi's MLP VAE spends the time that pythae's does not.

    KERAS_BACKEND=torch python -m benchmarks.torch_gap [--steps 100] [--repeats 7]

Two measurements on the MLP VAE of `benchmarks.case` (784-512-256-32, batch 128),
at the process' thread count (PyTorch's default: the machine's cores):

- **blocks**: `--steps` batches through keras_vi's `train_step`, then pythae's
  step (its forward, backward, `torch.optim.Adam`; with pythae installed, as
  `make bench` does), then one `fit` epoch of keras_vi on the same batches, and
  one with a callback that has a batch-end hook (Keras then calls the batch-end
  hooks in the training thread instead of a thread pool), in turn `--repeats`
  times, each block long enough that one model's weights stay in the caches for
  its whole run. `fit` minus `train_step` is the cost of Keras' loop around the
  step (its data adapter and callbacks).
- **parts**: the pieces of keras_vi's forward pass and loss, each timed alone
  (no gradient kept): the model's call, the encoder and decoder through
  `Layer.__call__` and through `call`, the `Sampling` layer and the
  `keras.random.normal` draw inside it, `compute_loss` and its pieces, the four
  parts of Keras' `train_step` around forward, loss, backward and update; and two
  pieces of `fit`'s loop, per step: Keras' PyTorch epoch iterator over the
  NumPy array alone, and its conversion of a step's logs to Python floats (what
  the callbacks receive).

Prints Markdown tables (ms per step; µs per piece, medians), then one JSON line.
"""

import argparse
import json
import statistics
import time

import keras

from benchmarks.case import BATCH, build, data


def block_times(x, steps, repeats):
    """Median, min and max ms per step of keras_vi's train_step, pythae's step and keras_vi's fit."""
    import torch

    from benchmarks.peers import pythae_model

    batches = [torch.from_numpy(x[i * BATCH:(i + 1) * BATCH]) for i in range(steps)]
    model, _ = build(None)

    def keras_vi_steps():
        for b in batches:
            model.train_step((b,))

    blocks = {"keras_vi train_step": keras_vi_steps}
    try:
        peer = pythae_model()
    except ImportError:
        peer = None
    if peer is not None:
        optimizer = torch.optim.Adam(peer.parameters(), lr=1e-3, eps=1e-7)

        def pythae_steps():
            for b in batches:
                out = peer({"data": b})
                optimizer.zero_grad()
                out.loss.backward()
                optimizer.step()

        blocks["pythae step (forward, backward, torch.optim.Adam)"] = pythae_steps
    fits = ("keras_vi fit epoch", "keras_vi fit epoch, batch-end hooks in the training thread")
    times = {name: [] for name in (*blocks, *fits)}

    class Timer(keras.callbacks.Callback):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])
            times[self.name].append(time.perf_counter() - self.start)

    class BatchEndHook(keras.callbacks.Callback):
        # a batch-end hook that is not Keras' default turns off its thread-pool dispatch
        def on_train_batch_end(self, batch, logs=None):
            pass

    for fn in blocks.values():
        fn()  # warm-up
    model.fit(x[: 2 * BATCH], batch_size=BATCH, epochs=1, verbose=0)
    for _ in range(repeats):
        for name, fn in blocks.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
        model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[Timer(fits[0])])
        model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                  callbacks=[Timer(fits[1]), BatchEndHook()])
    return {name: {"median": statistics.median(t) / steps * 1e3, "min": min(t) / steps * 1e3,
                   "max": max(t) / steps * 1e3} for name, t in times.items()}


def part_times(x, repeats, calls=50):
    """Median µs of each piece of keras_vi's forward pass and loss, without gradients,
    and of two pieces of `fit`'s loop, per step."""
    import torch
    # Keras' own pieces of its PyTorch `fit` loop (private modules: a benchmark only)
    from keras.src.backend.torch.trainer import TorchEpochIterator
    from keras.src.utils.python_utils import pythonify_logs

    model, _ = build(None)
    xt = torch.from_numpy(x[:BATCH])
    for _ in range(5):
        model.train_step((xt,))
    with torch.no_grad():
        mean, log_var = model.encode(xt)
        z = model.sampling([mean, log_var])
        outputs = model(xt, training=True)
        bundle = model.bundle(xt, outputs)
        terms = model.objective(bundle)
        loss = model.compute_loss(xt, None, outputs, None)
        parts = {
            "model(x): the whole forward pass": lambda: model(xt, training=True),
            "encode(x)": lambda: model.encode(xt, training=True),
            "encoder(x), through Layer.__call__": lambda: model.encoder(xt, training=True),
            "encoder.call(x)": lambda: model.encoder.call(xt),
            "Sampling layer": lambda: model.sampling([mean, log_var]),
            "keras.random.normal (the draw inside it)": lambda: keras.random.normal(
                (1, BATCH, z.shape[-1]), seed=model.sampling.seed_generator),
            "torch.randn (what pythae draws with)": lambda: torch.randn(1, BATCH, z.shape[-1]),
            "decoder_params(z)": lambda: model.decoder_params(z, True),
            "decoder(z), through Layer.__call__": lambda: model.decoder(z[0], training=True),
            "compute_loss": lambda: model.compute_loss(xt, None, outputs, None),
            "bundle (log p(x|z), q(z|x))": lambda: model.bundle(xt, outputs),
            "objective (ELBO terms)": lambda: model.objective(bundle),
            "TermMeans.update_state": lambda: model.term_means.update_state(terms),
            # the parts of Keras' train_step around the forward, loss, backward and update:
            # what a train_step of keras_vi's own could leave out
            "train_step's zero_grad": model.zero_grad,
            "train_step's trainable_weights walk": lambda: model.trainable_weights[:],
            "train_step's loss tracker update": lambda: model._loss_tracker.update_state(
                loss, sample_weight=BATCH),
            "train_step's compute_metrics (the logs)": lambda: model.compute_metrics(
                xt, None, outputs, None),
        }
        logs = model.get_metrics_result()
        steps = len(x) // BATCH

        def iterate():
            for _ in TorchEpochIterator(x=x[: steps * BATCH], batch_size=BATCH, shuffle=False):
                pass

        parts["fit's epoch iterator, per batch"] = iterate
        parts["fit's logs to Python floats, per step"] = lambda: pythonify_logs(logs)
        per_call = {name: 1 for name in parts}
        per_call["fit's epoch iterator, per batch"] = steps
        for fn in parts.values():
            fn()
        times = {name: [] for name in parts}
        for _ in range(repeats):
            for name, fn in parts.items():
                start = time.perf_counter()
                for _ in range(calls):
                    fn()
                times[name].append((time.perf_counter() - start) / calls / per_call[name] * 1e6)
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--data-dir", default="../shared/data")
    args = parser.parse_args(argv)
    if keras.backend.backend() != "torch":
        raise SystemExit("benchmarks.torch_gap measures the PyTorch backend: KERAS_BACKEND=torch")
    import torch

    x = data(BATCH * args.steps, args.data_dir)
    result = {"backend": "torch", "threads": torch.get_num_threads(), "batch_size": BATCH,
              "steps": args.steps, "repeats": args.repeats,
              "blocks_ms_per_step": block_times(x, args.steps, args.repeats),
              "parts_us": part_times(x, args.repeats)}
    print("\n".join(table(result)))
    print(json.dumps(result))
    return result


def table(result):
    lines = [f"{result['threads']} PyTorch thread(s), batch {result['batch_size']}, "
             f"{result['steps']} steps a block", "",
             "| block | ms per step (median; min–max) |", "|---|---|"]
    for name, t in result["blocks_ms_per_step"].items():
        lines.append(f"| {name} | {t['median']:.2f}; {t['min']:.2f}–{t['max']:.2f} |")
    lines += ["", "| piece of keras_vi's step (no gradient) | µs (median) |", "|---|---|"]
    lines += [f"| {name} | {us:.0f} |" for name, us in result["parts_us"].items()]
    return lines


if __name__ == "__main__":
    main()
