"""pythae's own VAE protocol, trained here, then estimated by keras_vi's L_5000: where does the VAE row's gap come from?

    python zoo/reproductions/pythae_vae.py --data-dir ../shared/data --out runs/reproductions/vae__pythae

Trains pythae's `VAE` (pythae installed by `make bench`) with the protocol of pythae's
`examples/scripts/reproducibility/vae.py` — MLP 784-400-40 with ReLU, Bernoulli decoder
("bce"), `BaseTrainer` with Adam 1e-4, MultiStepLR x10^-0.2 at epochs 200 and 350, batch
100, 500 epochs, the model of the best validation loss — on the same binarized MNIST that
`run.py` reads. The trained weights are then copied into the `run.py` VAE row's Keras model
(same layers) and that model's test L_5000 is estimated as for the row, on JAX, so the
two numbers differ only in how the weights were trained. Writes `best_weights.npz` and
`results.json`; pythae keeps its own training folder and log in OUT.
"""

import argparse
import json
import os
import sys
import time


def pythae_model():
    """pythae's VAE with the protocol's networks (MLP 784-400-40, ReLU, Bernoulli decoder)."""
    import torch
    from torch import nn

    from pythae.models import VAE, VAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder

    class Encoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Sequential(nn.Linear(784, 400), nn.ReLU())
            self.embedding, self.log_var = nn.Linear(400, 40), nn.Linear(400, 40)

        def forward(self, x):
            h = self.hidden(x.reshape(-1, 784))
            return ModelOutput(embedding=self.embedding(h), log_covariance=self.log_var(h))

    class Decoder(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Sequential(nn.Linear(40, 400), nn.ReLU())
            self.out = nn.Linear(400, 784)

        def forward(self, z):
            return ModelOutput(reconstruction=torch.sigmoid(self.out(self.hidden(z))).reshape(-1, 1, 28, 28))

    config = VAEConfig(input_dim=(1, 28, 28), latent_dim=40, reconstruction_loss="bce")
    return VAE(model_config=config, encoder=Encoder(), decoder=Decoder())


def train(args, out):
    import numpy as np
    import torch

    from pythae.data.preprocessors import DataProcessor
    from pythae.trainers import BaseTrainer, BaseTrainerConfig

    from keras_vi.datasets.binarized_mnist import read_split

    torch.manual_seed(args.seed)
    data = {s: torch.tensor(read_split(args.data_dir, s).reshape(-1, 1, 28, 28), dtype=torch.float32)
            for s in ("train", "validation")}
    model = pythae_model()
    training = BaseTrainerConfig(
        output_dir=out, per_device_train_batch_size=100, per_device_eval_batch_size=100,
        num_epochs=args.epochs, learning_rate=1e-4, steps_saving=None, steps_predict=None, no_cuda=True,
        scheduler_cls="MultiStepLR", scheduler_params={"milestones": [200, 350], "gamma": 10 ** (-1 / 5)},
        seed=args.seed)
    start = time.perf_counter()
    processor = DataProcessor()
    trainer = BaseTrainer(model=model, train_dataset=processor.to_dataset(data["train"]),
                          eval_dataset=processor.to_dataset(data["validation"]), training_config=training)
    trainer.train()
    best = trainer._best_model
    state = {k: v.detach().cpu().numpy() for k, v in best.state_dict().items()}
    np.savez(os.path.join(out, "best_weights.npz"), **state)
    return time.perf_counter() - start


def evaluate(args, out, seconds):
    """The row's Keras VAE with pythae's weights: its test L_5000 on JAX, as `run.py` estimates."""
    import numpy as np

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from run import ROWS, _machine, build_model

    from keras_vi import datasets, estimators

    w = dict(np.load(os.path.join(out, "best_weights.npz")))
    model = build_model(ROWS["vae"], seed=args.seed)
    model.build((None, 784))
    dense = [layer for net in (model.encoder, model.decoder) for layer in net.layers
             if layer.__class__.__name__ == "Dense"]
    torch_order = ["encoder.hidden.0", "encoder.embedding", "encoder.log_var",
                   "decoder.hidden.0", "decoder.out"]
    for layer, name in zip(dense, torch_order):
        layer.set_weights([w[name + ".weight"].T, w[name + ".bias"]])
    x_test = datasets.load("binarized_mnist", split="test", data_dir=args.data_dir, flatten=True)
    summary = estimators.evaluation_summary(model, x_test, num_samples=args.num_samples, seed=args.seed)
    result = {"what": "pythae's VAE protocol trained by pythae here; keras_vi's L_5000 of its weights",
              "test": summary, "train_seconds": round(seconds, 1), "machine": _machine(),
              "date": time.strftime("%Y-%m-%d"),
              "command": " ".join(["python", "zoo/reproductions/pythae_vae.py", *sys.argv[1:]])}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps({"nll": summary["nll_nats"], "se": summary["nll_standard_error_over_examples"]}))


def pythae_nll(args, out):
    """The same weights estimated by pythae's own `VAE.get_nll` (k importance samples, as its
    reproduction script does with k = 200), on the test images: does pythae's estimate agree
    with ours on one model?"""
    import numpy as np
    import torch

    from keras_vi.datasets.binarized_mnist import read_split

    torch.manual_seed(args.seed)
    model = pythae_model()
    weights = dict(np.load(os.path.join(out, "best_weights.npz")))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    model.eval()
    x = torch.tensor(read_split(args.data_dir, "test"), dtype=torch.float32)[:: args.every]
    start = time.perf_counter()
    with torch.no_grad():
        log_p = model.get_nll(x, n_samples=args.pythae_samples)
    result = {"what": "pythae's get_nll of the weights in best_weights.npz (it returns the mean log p(x))",
              "num_examples": int(len(x)), "every": args.every, "n_samples": args.pythae_samples,
              "nll_nats": -float(log_p), "seconds": round(time.perf_counter() - start, 1),
              "command": " ".join(["python", "zoo/reproductions/pythae_vae.py", *sys.argv[1:]])}
    with open(os.path.join(out, "pythae_nll.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", default="runs/reproductions/vae__pythae")
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--num-samples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stage", choices=("all", "pythae_nll"), default="all",
                        help="all: train, then estimate by keras_vi; pythae_nll: the trained weights "
                             "estimated by pythae's get_nll")
    parser.add_argument("--pythae-samples", type=int, default=200, help="k of pythae's get_nll")
    parser.add_argument("--every", type=int, default=1, help="pythae_nll: every n-th test image")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.stage == "pythae_nll":
        return pythae_nll(args, args.out)
    seconds = train(args, args.out)
    evaluate(args, args.out, seconds)


if __name__ == "__main__":
    main()
