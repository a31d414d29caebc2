"""Peer libraries, timed on the same work as benchmarks/case.py (PyTorch only).

    python -m benchmarks.peers pythae --steps 50 --repeats 5
    KERAS_BACKEND=torch python -m benchmarks.peers vq --steps 50 --repeats 5

pythae: its `VAE` with the same MLP (784-512-256, latent 32, ReLU), a Bernoulli
(BCE) reconstruction and the closed-form KL, trained by the loop at the core of
its trainer (forward returning the loss, backward, Adam step) on batches of 128.
vq: vector-quantize-pytorch's `VectorQuantize` (EMA, decay 0.99, commitment
0.25) against `keras_vi.layers.VectorQuantizer` with the same settings, forward
in training mode plus backward through the straight-through output, on
(128, 49, 16) inputs (a 7x7 code grid of 16-dimensional vectors).
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import torch  # noqa: E402

BATCH = 128


def timed(fn, steps, repeats):
    fn(2)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(steps)
        times.append(time.perf_counter() - start)
    return times


def pythae_case(args):
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

    config = VAEConfig(input_dim=(784,), latent_dim=32, reconstruction_loss="bce")
    model = VAE(config, encoder=Encoder(), decoder=Decoder())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = torch.from_numpy((np.random.default_rng(0).uniform(size=(BATCH * args.steps, 784)) < 0.13)
                         .astype("float32"))

    def train(steps):
        for i in range(steps):
            out = model({"data": x[i * BATCH : (i + 1) * BATCH]})
            opt.zero_grad()
            out.loss.backward()
            opt.step()

    times = timed(train, args.steps, args.repeats)
    return {"case": "pythae_vae_mlp", "backend": "torch (pythae)",
            "median_examples_per_s": BATCH * args.steps / statistics.median(times),
            "min_examples_per_s": BATCH * args.steps / max(times),
            "max_examples_per_s": BATCH * args.steps / min(times)}


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
            out = ours(t, training=True)
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
