"""PyTorch: what keras_vi's default MLP network and optimizer save per training step.

    KERAS_BACKEND=torch python -m benchmarks.torch_step [--steps 50] [--repeats 10]

The MLP VAE of `benchmarks.case` (784-512-256-32, batch 128, binarized MNIST or random
binary data), four ways, interleaved in one process: the networks as the functional
chain of `keras.layers.Dense` (what the default networks were) or as one
`layers.DenseStack` (what they are), and the optimizer as `keras.optimizers.Adam` or
`keras_vi.optimizers.Adam` (PyTorch's fused kernel). All four start from the same
weights. Times `model.train_step` on one batch, the median of `--repeats` timings of
`--steps` steps each, in ms per step. Then one optimizer update alone on the model's
variables: Keras' Adam, keras_vi's, and `torch.optim.Adam` for-loop (its CPU default,
which the hand-written loop and pythae use), foreach and fused. Prints Markdown tables,
then one JSON line.
"""

import argparse
import json
import statistics
import time

import keras

import keras_vi
from benchmarks.case import BATCH, LATENT, build, data


def functional_networks(model):
    """The model's DenseStack encoder and decoder as functional chains of Dense layers, same weights."""
    networks = []
    for stack, width in ((model.encoder, 784), (model.decoder, LATENT)):
        inputs = keras.Input((width,))
        h = inputs
        for layer in stack.hidden:
            h = keras.layers.Dense(layer.units, activation="relu")(h)
        outs = [keras.layers.Dense(layer.units)(h) for layer in stack.head_layers]
        net = keras.Model(inputs, outs if len(outs) > 1 else outs[0])
        net.set_weights(stack.get_weights())
        networks.append(net)
    return networks


def variants(x):
    """{name: compiled model}: the four combinations, all from the same initial weights."""
    reference, _ = build(None)
    reference(x[:2])  # builds the DenseStacks
    out = {}
    for name, optimizer in (("keras Adam", keras.optimizers.Adam), ("keras_vi Adam", keras_vi.optimizers.Adam)):
        stack, _ = build(None)
        stack.compile(optimizer=optimizer(1e-3))
        encoder, decoder = functional_networks(reference)
        functional = keras_vi.zoo.VAE(latent_dim=LATENT, encoder=encoder, decoder=decoder, seed=0)
        functional.build((None, 784))
        functional.compile(optimizer=optimizer(1e-3))
        out[f"DenseStack, {name}"] = stack
        out[f"functional Dense chain, {name}"] = functional
    return out


def ms_per_step(fn, steps, repeats):
    """`repeats` timings of `steps` calls of `fn`, in ms per call, after one warm-up call."""
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        times.append((time.perf_counter() - start) / steps * 1e3)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--data-dir", default="../shared/data")
    args = parser.parse_args(argv)
    if keras.backend.backend() != "torch":
        raise SystemExit("benchmarks.torch_step measures the PyTorch backend: KERAS_BACKEND=torch")
    import torch

    x = data(BATCH, args.data_dir)
    batch = (torch.from_numpy(x),)
    models = variants(x)
    times = {name: [] for name in models}
    for model in models.values():
        model.train_step(batch)  # builds the optimizer
    for _ in range(args.repeats):  # interleaved, so a slower moment of the machine hits all
        for name, model in models.items():
            times[name] += ms_per_step(lambda m=model: m.train_step(batch), args.steps, 1)
    result = {"backend": "torch", "batch_size": BATCH, "steps": args.steps, "repeats": args.repeats,
              "train_step_ms": {n: {"median": statistics.median(t), "min": min(t), "max": max(t)}
                                for n, t in times.items()}}

    variables = models["DenseStack, keras Adam"].trainable_variables
    grads = [torch.randn_like(v.value) * 1e-3 for v in variables]
    params = [torch.nn.Parameter(v.value.detach().clone()) for v in variables]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    updates = {}
    for name, cls in (("keras.optimizers.Adam", keras.optimizers.Adam),
                      ("keras_vi.optimizers.Adam", keras_vi.optimizers.Adam)):
        optimizer = cls(1e-3)
        optimizer.build(variables)
        updates[name] = (lambda o=optimizer: o.apply(grads, variables))
    for name, kwargs in (("torch.optim.Adam (for-loop)", {"foreach": False}),
                         ("torch.optim.Adam (foreach)", {"foreach": True}),
                         ("torch.optim.Adam (fused)", {"fused": True})):
        updates[name] = torch.optim.Adam(params, lr=1e-3, eps=1e-7, **kwargs).step
    update_times = {name: [] for name in updates}
    with torch.no_grad():
        for _ in range(args.repeats):
            for name, fn in updates.items():
                update_times[name] += ms_per_step(fn, args.steps, 1)
    result["adam_update_ms"] = {n: statistics.median(t) for n, t in update_times.items()}
    print("\n".join(table(result)))
    print(json.dumps(result))
    return result


def table(result):
    """The measurements as Markdown: the train steps, then the updates."""
    lines = ["| networks, optimizer | train_step ms (median; min–max) |", "|---|---|"]
    for name, t in result["train_step_ms"].items():
        lines.append(f"| {name} | {t['median']:.2f}; {t['min']:.2f}–{t['max']:.2f} |")
    lines += ["", "| optimizer update | ms |", "|---|---|"]
    lines += [f"| {name} | {ms:.2f} |" for name, ms in result["adam_update_ms"].items()]
    return lines


if __name__ == "__main__":
    main()
