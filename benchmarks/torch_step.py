"""PyTorch: what keras_vi's default MLP network, optimizer and metrics save per training step.

    KERAS_BACKEND=torch python -m benchmarks.torch_step [--steps 50] [--repeats 10]

The MLP VAE of `benchmarks.case` (784-512-256-32, batch 128, binarized MNIST or random
binary data), six ways, interleaved in one process, each one change on the one before:
the networks as the functional chain of `keras.layers.Dense` (what the default networks
were) and `keras.optimizers.Adam`; then `keras_vi.optimizers.Adam` (PyTorch's fused
kernel); then one `layers.DenseStack` per network computing each layer as `keras.ops`
matmul and add; then DenseStack as it is (`torch.addmm`); then the objective's terms
logged by one `metrics.TermMeans` instead of a `keras.metrics.Mean` each; then z drawn
by `Sampling.draw` instead of through the layer's `Layer.__call__` (the model as it
is). All six start from the same weights. Times `model.train_step` on one batch, the median of `--repeats` timings of `--steps` steps each, in ms per step; with pythae
installed (make bench), also pythae's `VAE` step (forward, backward, `torch.optim.Adam`)
on the same batch, interleaved likewise. Then one optimizer update alone on the
model's variables: Keras' Adam, keras_vi's, and `torch.optim.Adam` for-loop (its CPU
default, which the hand-written loop and pythae use), foreach and fused. Prints
Markdown tables, then one JSON line.
"""

import argparse
import json
import statistics
import time

import keras

import keras_vi
from keras_vi.layers import dense_stack
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


class MatmulAddDenseStack(keras_vi.layers.DenseStack):
    """DenseStack computing each layer through `keras.ops` (matmul, add), as before `addmm`."""

    def _kernels(self, h):
        return dense_stack._affine, self.activation


class LayerCallSamplingVAE(keras_vi.zoo.VAE):
    """The VAE drawing z through the Sampling layer's `Layer.__call__`, as before `Sampling.draw`."""

    def call(self, x, training=False):
        x = keras.ops.cast(x, self.variable_dtype)
        mean, log_var = self.encode(x, training=training)
        z = self.sampling([mean, log_var])
        return {"mean": mean, "log_var": log_var, "z": z, **self.decoder_params(z, training)}


class MeanPerTermVAE(LayerCallSamplingVAE):
    """The VAE logging each term with its own `keras.metrics.Mean`, as before `TermMeans`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names, self.term_means = self.term_means.names, None
        self.trackers = {n: keras.metrics.Mean(name=n) for n in names}


def variants(x):
    """{name: compiled model}: the six steps, all from the same initial weights."""
    reference, _ = build(None)
    reference(x[:2])  # builds the DenseStacks

    def model(cls, networks, optimizer):
        if networks == "functional":
            encoder, decoder = functional_networks(reference)
        else:
            encoder, decoder = [
                (MatmulAddDenseStack if networks == "matmul" else keras_vi.layers.DenseStack)
                .from_config(net.get_config()) for net in (reference.encoder, reference.decoder)]
        vae = cls(latent_dim=LATENT, encoder=encoder, decoder=decoder, seed=0)
        vae.build((None, 784))
        if networks != "functional":
            for new, old in ((encoder, reference.encoder), (decoder, reference.decoder)):
                new.set_weights(old.get_weights())
        vae.compile(optimizer=optimizer(1e-3))
        return vae

    k_adam, kv_adam = keras.optimizers.Adam, keras_vi.optimizers.Adam
    return {
        "functional Dense chain, keras.optimizers.Adam, a Mean per term": (
            model(MeanPerTermVAE, "functional", k_adam)),
        "functional Dense chain, keras_vi.optimizers.Adam, a Mean per term": (
            model(MeanPerTermVAE, "functional", kv_adam)),
        "DenseStack (ops.matmul + ops.add), keras_vi.optimizers.Adam, a Mean per term": (
            model(MeanPerTermVAE, "matmul", kv_adam)),
        "DenseStack (torch.addmm), keras_vi.optimizers.Adam, a Mean per term": (
            model(MeanPerTermVAE, "addmm", kv_adam)),
        "DenseStack (torch.addmm), keras_vi.optimizers.Adam, TermMeans": (
            model(LayerCallSamplingVAE, "addmm", kv_adam)),
        "DenseStack (torch.addmm), keras_vi.optimizers.Adam, TermMeans, Sampling.draw (keras_vi now)": (
            model(keras_vi.zoo.VAE, "addmm", kv_adam)),
    }


def pythae_step(x):
    """pythae's VAE step on batch `x` (its forward, backward, torch Adam), or None without pythae."""
    import torch

    from benchmarks.peers import pythae_model

    try:
        model = pythae_model()
    except ImportError:
        return None
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    inputs = {"data": torch.from_numpy(x)}

    def step():
        out = model(inputs)
        optimizer.zero_grad()
        out.loss.backward()
        optimizer.step()

    return step


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
    steps = {name: (lambda m=model: m.train_step(batch)) for name, model in models.items()}
    for step in steps.values():
        step()  # builds the optimizer
    peer = pythae_step(x)
    if peer is not None:
        steps["pythae VAE (its forward, backward, torch.optim.Adam)"] = peer
    times = {name: [] for name in steps}
    for _ in range(args.repeats):  # interleaved, so a slower moment of the machine hits all
        for name, step in steps.items():
            times[name] += ms_per_step(step, args.steps, 1)
    result = {"backend": "torch", "batch_size": BATCH, "steps": args.steps, "repeats": args.repeats,
              "train_step_ms": {n: {"median": statistics.median(t), "min": min(t), "max": max(t)}
                                for n, t in times.items()}}

    variables = next(iter(models.values())).trainable_variables
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
    lines = ["| networks, optimizer, metrics | train_step ms (median; min–max) |", "|---|---|"]
    for name, t in result["train_step_ms"].items():
        lines.append(f"| {name} | {t['median']:.2f}; {t['min']:.2f}–{t['max']:.2f} |")
    lines += ["", "| optimizer update | ms |", "|---|---|"]
    lines += [f"| {name} | {ms:.2f} |" for name, ms in result["adam_update_ms"].items()]
    return lines


if __name__ == "__main__":
    main()
