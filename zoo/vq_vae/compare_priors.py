"""Which prior for 2-D codes: the two-stack PixelCNN or the causal (WaveNet-style) prior, on the same codes.

    python zoo/vq_vae/compare_priors.py --data-dir ../shared/data --out runs/vq_vae_priors

One VQ-VAE (the card's Fashion-MNIST settings: 64 codes of size 16, EMA) is trained on
`--num-train` training images; both priors are then trained on the same 7x7 code grids for
the same epochs, with the same optimizer and batch size, and their exact -log2 p(codes) is
measured on the codes of all 10,000 test images. Written to OUT/results.json.
"""

import argparse
import json
import math
import os
import sys
import time

import keras
import numpy as np

from keras_vi import datasets, zoo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # stages.py beside this file
import stages  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--num-train", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3, help="of the VQ-VAE")
    parser.add_argument("--prior-epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    x_train = datasets.load("fashion_mnist", split=f"train[:{args.num_train}]", data_dir=args.data_dir)
    x_test = datasets.load("fashion_mnist", split="test", data_dir=args.data_dir)
    start = time.perf_counter()
    model = zoo.VQVAE(num_embeddings=64, embedding_dim=16, ema_decay=0.99, seed=args.seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(x_train, epochs=args.epochs, batch_size=128, verbose=2)
    vq_seconds = time.perf_counter() - start
    codes_train, codes_test = model.encode_indices(x_train), model.encode_indices(x_test)
    priors = {
        # the VQ-VAE's 2-D default: 5 gated two-stack blocks, 64 filters
        "pixelcnn": zoo.PixelCNN(64, num_layers=5, filters=64, seed=args.seed),
        # 10 WaveNet blocks, 64 filters: every earlier code of a 7x7 grid is in reach (receptive field 1024)
        "causal": zoo.CausalPrior(64, num_layers=10, filters=64, dilation_cycle=10, seed=args.seed),
    }
    results, bits = {}, {}
    for name, prior in priors.items():
        keras.utils.set_random_seed(args.seed)
        prior.compile(optimizer=keras.optimizers.Adam(1e-3))
        start = time.perf_counter()
        history = prior.fit(codes_train, epochs=args.prior_epochs, batch_size=64, verbose=2)
        seconds = time.perf_counter() - start
        bits[name] = bits_per_code = np.asarray(prior.bits_per_dim(codes_test))
        results[name] = {
            "test_bits_per_code": float(np.mean(bits_per_code)),
            "test_bits_per_code_se": float(np.std(bits_per_code, ddof=1) / math.sqrt(len(bits_per_code))),
            "train_nll_last_epoch_nats_per_grid": float(history.history["loss"][-1]),
            "num_params": int(prior.count_params()),
            "train_seconds": round(seconds, 1),
        }
        print(name, json.dumps(results[name]))
    difference = bits["pixelcnn"] - bits["causal"]  # per test image, on the same codes
    record = {
        "data": {"dataset": "fashion_mnist", "train_images": args.num_train, "test_images": len(x_test),
                 "grid": list(model.grid_shape), "num_embeddings": 64},
        "vq_vae": {"epochs": args.epochs},
        "prior_epochs": args.prior_epochs, "batch_size": 64, "learning_rate": 1e-3,
        "priors": results,
        "pixelcnn_minus_causal_bits_per_code": float(np.mean(difference)),
        "pixelcnn_minus_causal_se": float(np.std(difference, ddof=1) / math.sqrt(len(difference))),
    }
    stages.write_results(args.out, record, {"vq_vae_s": vq_seconds})

if __name__ == "__main__":
    main()
