"""The VQ-VAE card's video section: Moving MNIST through a VQ-VAE with Conv3D networks and a causal prior.

    python zoo/vq_vae/video.py --data-dir ../shared/data --out runs/vq_vae_video [--epochs 10 ...]

Videos are drawn on demand (`datasets.MovingMNIST`, Srivastava et al., 2015: two digits bouncing
in a 64x64 frame) from MNIST's test-set digits: the training videos from its first 8,000 digits,
the test videos from the other 2,000, so no test digit is seen in training. Stages are saved in
--out (`vq_vae.keras`, `prior.weights.h5`), so an interrupted run goes on from them.
"""

import argparse
import math
import os
import sys
import time

import keras
import numpy as np

from keras_vi import datasets, plotting, zoo
from keras_vi.layers.vector_quantizer import codebook_usage, perplexity

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # stages.py beside this file
import stages  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="the directory of MNIST's IDX files (or holding mnist/)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--num-videos", type=int, default=2000)
    parser.add_argument("--num-test-videos", type=int, default=300)
    parser.add_argument("--num-frames", type=int, default=8)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--prior-epochs", type=int, default=10)
    parser.add_argument("--num-embeddings", type=int, default=64)
    parser.add_argument("--embedding-dim", type=int, default=16)
    parser.add_argument("--filters", type=int, nargs="+", default=[16, 32],
                        help="one stride-2 stage each along time, height and width")
    parser.add_argument("--until", choices=("vq_vae", "all"), default="all")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    digits = datasets.load("mnist", split="test", data_dir=args.data_dir)
    settings = dict(num_frames=args.num_frames, size=args.size, num_digits=2, seed=args.seed)
    x_train = datasets.MovingMNIST(digits[:8000], **settings).videos(range(args.num_videos))
    x_test = datasets.MovingMNIST(digits[8000:], **settings).videos(range(args.num_test_videos))
    timings = {}

    start = time.perf_counter()
    model = stages.fit_or_load(args.out, lambda: zoo.VQVAE(
        num_embeddings=args.num_embeddings, embedding_dim=args.embedding_dim, ema_decay=0.99, filters=args.filters,
        prior_layers=10, prior_filters=64, seed=args.seed), x_train, args.epochs, batch_size=16)
    timings["vq_vae_s"] = time.perf_counter() - start
    if args.until == "vq_vae":
        return

    start = time.perf_counter()
    stages.fit_or_load_prior(args.out, model, x_train, args.prior_epochs)
    timings["prior_s"] = time.perf_counter() - start

    indices = model.encode_indices(x_test, batch_size=32)
    reconstructions = np.concatenate([keras.ops.convert_to_numpy(model.decode_indices(indices[i:i + 32]))
                                      for i in range(0, len(indices), 32)])
    evaluation = model.evaluate(x_test, batch_size=32, verbose=0, return_dict=True)
    prior_bits = model.prior_bits_per_dim(x_test) * math.prod(model.grid_shape)  # bits per video
    start = time.perf_counter()
    samples = keras.ops.convert_to_numpy(model.sample(8, seed=args.seed))
    timings["sampling_s"] = time.perf_counter() - start

    media = os.path.join(args.out, "media")
    os.makedirs(media, exist_ok=True)
    plotting.plot_frames(np.concatenate([x_test[:4], reconstructions[:4]]), os.path.join(media, "reconstructions.png"),
                         "Test videos (top four rows) and their reconstructions (bottom four)")
    plotting.plot_frames(samples, os.path.join(media, "samples.png"), "Videos from the causal prior over the codes")
    plotting.save_gif(samples[:4], os.path.join(media, "samples.gif"))
    plotting.save_gif(np.concatenate([x_test[:4], reconstructions[:4]]), os.path.join(media, "reconstructions.gif"))

    k = model.num_embeddings
    frames = args.num_frames
    results = {
        "data": {"dataset": "Moving MNIST, drawn by datasets.MovingMNIST", "train_videos": args.num_videos,
                 "test_videos": args.num_test_videos, "frames": frames, "size": args.size, "num_digits": 2,
                 "digits": "MNIST test set: [:8000] for training videos, [8000:] for test videos"},
        "model": {"num_embeddings": k, "embedding_dim": model.embedding_dim, "filters": list(model.filters),
                  "grid_shape": list(model.grid_shape), "likelihood": "bernoulli (grey levels)",
                  "num_params": int(model.count_params()), "prior": type(model.prior).__name__,
                  "prior_receptive_field": model.prior.receptive_field},
        "training": {"epochs": args.epochs, "prior_epochs": args.prior_epochs, "batch_size": 16,
                     "learning_rate": 1e-3},
        "test": {
            "reconstruction_mse": float(np.mean((reconstructions - x_test) ** 2)),
            "nll_x_given_z_nats_per_frame": -float(evaluation["reconstruction"]) / frames,
            "perplexity": float(keras.ops.convert_to_numpy(perplexity(indices, k))),
            "codebook_usage": float(keras.ops.convert_to_numpy(codebook_usage(indices, k))),
            "codes_per_frame": math.prod(model.grid_shape) / frames,
            "uniform_code_bits_per_frame": math.prod(model.grid_shape) * math.log2(k) / frames,
            "prior_bits_per_frame": float(np.mean(prior_bits)) / frames,
            "prior_bits_per_frame_se": float(np.std(prior_bits, ddof=1) / math.sqrt(len(prior_bits))) / frames,
        },
    }
    stages.write_results(args.out, results, timings)


if __name__ == "__main__":
    main()
