"""Peer libraries, timed on the same work as benchmarks/case.py (PyTorch only).

    KERAS_BACKEND=torch python -m benchmarks.peers pythae --steps 50 --repeats 5
    KERAS_BACKEND=torch python -m benchmarks.peers vq --steps 50 --repeats 5

pythae: its `VAE` with the same MLP (784-512-256, latent 32, ReLU), a Bernoulli
(BCE) reconstruction and the closed-form KL, on batches of 128, trained two ways,
epoch by epoch in turn: by pythae's own trainer (`BaseTrainer`, what a pythae
user runs: its DataLoader over a `BaseDataset`, its progress bar and per-step
loss check, keeping the best model; the timing is per epoch, as keras_vi's
`fit`), and by the bare loop at its core (forward returning the loss,
backward, Adam step on slices of one tensor: no data loading at all). With
KERAS_BACKEND=torch, an epoch of keras_vi's MLP VAE by `fit` (benchmarks/case.py's
model, on the same data) runs after each pythae epoch too: all three interleaved
in one process, so that the machine's drift hits them alike.
vq: vector-quantize-pytorch's `VectorQuantize` (EMA, decay 0.99, commitment
0.25) against `keras_vi.layers.VectorQuantizer` with the same settings, forward
in training mode plus backward through the straight-through output, on
(128, 49, 16) inputs (a 7x7 code grid of 16-dimensional vectors).
"""

import argparse
import contextlib
import io
import json
import logging
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import torch  # noqa: E402

BATCH = 128


def timed(fn, steps, repeats):
    fn(2)  # warm-up
    return [timed_once(fn, steps) for _ in range(repeats)]


def pythae_model():
    """pythae's `VAE` with the MLP of benchmarks/case.py (784-512-256, latent 32), BCE; seed 0.

    Raises ImportError without pythae (make bench installs it).
    """
    from pythae.models import VAE, VAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder

    class Encoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                           torch.nn.Linear(512, 256), torch.nn.ReLU())
            self.mean, self.log_var = torch.nn.Linear(256, 32), torch.nn.Linear(256, 32)

        def forward(self, x):
            h = self.net(x.reshape(x.shape[0], -1))
            return ModelOutput(embedding=self.mean(h), log_covariance=self.log_var(h))

    class Decoder(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(32, 256), torch.nn.ReLU(),
                                           torch.nn.Linear(256, 512), torch.nn.ReLU(),
                                           torch.nn.Linear(512, 784), torch.nn.Sigmoid())

        def forward(self, z):
            return ModelOutput(reconstruction=self.net(z))

    torch.manual_seed(0)
    config = VAEConfig(input_dim=(784,), latent_dim=32, reconstruction_loss="bce")
    return VAE(config, encoder=Encoder(), decoder=Decoder())


def pythae_case(args):
    from pythae.data.datasets import BaseDataset
    from pythae.trainers import BaseTrainer, BaseTrainerConfig
    from pythae.trainers.training_callbacks import TrainingCallback

    model = pythae_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = torch.from_numpy((np.random.default_rng(0).uniform(size=(BATCH * args.steps, 784)) < 0.13)
                         .astype("float32"))

    def train(steps):
        for i in range(steps):
            out = model({"data": x[i * BATCH : (i + 1) * BATCH]})
            opt.zero_grad()
            out.loss.backward()
            opt.step()

    train(2)  # warm-up
    times = {"trainer": [], "loop": []}
    trainer_times = times["trainer"]
    keras_vi_epoch = keras_vi_fit_epoch(x.numpy(), times)  # None unless KERAS_BACKEND=torch

    class EpochTimer(TrainingCallback):
        def on_epoch_begin(self, training_config, **kwargs):
            self.start = time.perf_counter()

        def on_epoch_end(self, training_config, **kwargs):
            trainer_times.append(time.perf_counter() - self.start)
            times["loop"].append(timed_once(train, args.steps))  # interleaved
            if keras_vi_epoch is not None:
                keras_vi_epoch()

    with tempfile.TemporaryDirectory() as out_dir, contextlib.redirect_stderr(io.StringIO()):
        config = BaseTrainerConfig(
            output_dir=out_dir, num_epochs=1 + args.repeats, per_device_train_batch_size=BATCH,
            learning_rate=1e-3, optimizer_cls="Adam", optimizer_params={"eps": 1e-7},
            steps_saving=None, keep_best_on_train=True, no_cuda=True, seed=0)
        for name in list(logging.root.manager.loggerDict):  # its INFO lines go to stdout
            if name.startswith("pythae"):
                logging.getLogger(name).setLevel(logging.ERROR)
        trainer = BaseTrainer(pythae_model(), BaseDataset(x, torch.zeros(len(x))),
                              training_config=config, callbacks=[EpochTimer()])
        trainer.train()
    examples = BATCH * args.steps
    rates = {name: summary(ts[1:], examples) for name, ts in times.items()}  # epoch 1 warms up
    result = {"case": "pythae_vae_mlp", "backend": "torch (pythae)", **rates["loop"],
              "trainer": rates["trainer"]}
    if "keras_vi_fit" in rates:
        result["keras_vi_fit"] = rates["keras_vi_fit"]
    return result


def keras_vi_fit_epoch(x, times):
    """On the torch backend: a function running one epoch of keras_vi's MLP VAE (`fit`, as
    benchmarks/case.py) on `x`, its time appended to `times["keras_vi_fit"]`; else None."""
    import keras

    if keras.backend.backend() != "torch":
        return None
    from benchmarks.case import build

    model, _ = build(None)
    times["keras_vi_fit"] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])
            times["keras_vi_fit"].append(time.perf_counter() - self.start)

    model.fit(x[: 2 * BATCH], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    return lambda: model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[Timer()])


def timed_once(fn, steps):
    start = time.perf_counter()
    fn(steps)
    return time.perf_counter() - start


def summary(seconds, examples):
    return {"median_examples_per_s": examples / statistics.median(seconds),
            "min_examples_per_s": examples / max(seconds),
            "max_examples_per_s": examples / min(seconds)}


def vq_case(args):
    import keras
    from vector_quantize_pytorch import VectorQuantize

    import keras_vi

    z = np.random.default_rng(0).normal(size=(BATCH, 49, 16)).astype("float32")
    peer = VectorQuantize(dim=16, codebook_size=64, decay=0.99, commitment_weight=0.25)
    peer.train()
    ours = keras_vi.layers.VectorQuantizer(64, 16, ema_decay=0.99, commitment_cost=0.25, seed=0)

    def run_peer(steps):
        for _ in range(steps):
            t = torch.tensor(z, requires_grad=True)
            quantized, _, loss = peer(t)
            (quantized.sum() + loss.sum()).backward()

    def run_ours(steps):
        for _ in range(steps):
            t = torch.tensor(z, requires_grad=True)
            out, _ = ours(t, training=True)
            (out.sum() + keras.ops.sum(keras.ops.stack(ours.losses))).backward()

    result = {"case": "vector_quantizer", "backend": keras.backend.backend()}
    for name, fn in (("keras_vi", run_ours), ("vector_quantize_pytorch", run_peer)):
        times = timed(fn, args.steps, args.repeats)
        result[name] = {"median_calls_per_s": args.steps / statistics.median(times)}
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("peer", choices=("pythae", "vq"))
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(pythae_case(args) if args.peer == "pythae" else vq_case(args)))


if __name__ == "__main__":
    main()
