"""The `keras-vi` command line: parse, build from the zoo registry, fit, write.

    keras-vi train beta_vae --dataset digits --epochs 30 --latent-dim 10 --out runs/demo

Keras reads KERAS_BACKEND when it is first imported, so `--backend` is read
and applied first; then keras_vi is imported, and the parser takes its
choices of models, likelihoods and priors from their registries.
"""

import argparse
import os
import sys

from keras_vi.cli.evaluate import evaluate

BACKENDS = ("tensorflow", "jax", "torch")


def _at_least(low, kind):
    def parse(text):
        value = kind(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


# The model options of `train`: `keras_vi.cli.models` lists the ones each zoo model
# takes (constructor arguments, and options of what runs after its fit).
# Defaults are the classes' own, except the ones named here.
MODEL_OPTIONS = {
    "latent_dim": dict(type=_at_least(1, int), help="size of z (default 10)"),
    "latent_dims": dict(type=_at_least(1, int), nargs=2, metavar=("D1", "D2"),
                        help="hierarchical_vae: sizes of z1 and z2 (default 40 40)"),
    "likelihood": dict(help="p(x|z): a name of keras_vi.likelihoods.LIKELIHOODS"),
    "prior": dict(help="p(z): a name of keras_vi.priors.PRIORS"),
    "hidden_units": dict(type=_at_least(1, int), nargs="+", help="hidden layer widths"),
    "beta": dict(type=_at_least(0.0, float), help="KL weight (beta_tc_vae: total-correlation weight)"),
    "gamma": dict(type=_at_least(0.0, float), help="factor_vae: total-correlation weight"),
    "free_bits": dict(type=_at_least(0.0, float), help="nats per latent dimension"),
    "num_samples": dict(type=_at_least(1, int), help="draws of z per example (IWAE's k)"),
    "num_embeddings": dict(type=_at_least(1, int), help="codebook size"),
    "embedding_dim": dict(type=_at_least(1, int), help="code size"),
    "commitment_cost": dict(type=_at_least(0.0, float), help="weight of the commitment loss"),
    "ema_decay": dict(type=float, help="EMA codebook updates, e.g. 0.99"),
    "prior_epochs": dict(type=_at_least(1, int), help="epochs of the VQ-VAE's prior"),
    "spatial_dims": dict(type=int, choices=(1, 2, 3),
                         help="vq_vae: 1 for sequences (--dataset spoken_digit), 2 images, 3 video"),
    "dequantization": dict(help="8-bit data: u ~ q(u|x), a name of keras_vi.layers.DEQUANTIZERS"),
    "num_scales": dict(type=_at_least(1, int), help="scales of a flow"),
    "num_steps": dict(type=_at_least(1, int), help="flow steps per scale"),
    "filters": dict(type=_at_least(1, int), help="width of a flow's coupling networks"),
    "num_classes": dict(type=_at_least(2, int), help="ar_vae: values of a pixel (2 with --binarize, 256 with --raw)"),
    "decoder_layers": dict(type=_at_least(1, int), help="ar_vae: gated PixelCNN blocks of the decoder"),
    "decoder_filters": dict(type=_at_least(1, int), help="ar_vae: channels of the decoder's stacks"),
    "first_kernel_size": dict(type=_at_least(1, int),
                              help="ar_vae: the decoder's first kernel (3 with few layers: a VLAE-style local decoder)"),
}
CLI_DEFAULTS = {"latent_dim": 10}


def build_parser():
    """The full parser; imports keras_vi (so Keras: select the backend first)."""
    from keras_vi import layers, likelihoods, priors, zoo

    registries = {"likelihood": likelihoods.LIKELIHOODS, "prior": priors.PRIORS,
                  "dequantization": layers.DEQUANTIZERS}
    parser = argparse.ArgumentParser(
        prog="keras-vi", description="Variational inference with Keras 3."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a zoo model and write its pictures")
    train.add_argument("model", choices=tuple(zoo.MODELS))
    train.add_argument("--dataset", default="digits",
                       help="digits | mnist | fashion_mnist | binarized_mnist | spoken_digit | a TFDS name")
    train.add_argument("--data-dir", default=None, help="directory of the IDX files")
    train.add_argument("--split", default="train", help="training split, e.g. 'test[:8000]'")
    train.add_argument("--eval-split", default="test", help="held-out split, e.g. 'test[8000:]'")
    train.add_argument("--binarize", choices=("static", "dynamic"), default=None)
    train.add_argument("--raw", action="store_true",
                       help="keep 8-bit integer pixels (for --likelihood discretized_logistic); "
                            "spoken_digit: 8-bit μ-law codes (for --likelihood categorical)")
    train.add_argument("--flatten", action="store_true", help="images as vectors: an MLP model")
    train.add_argument("--epochs", type=_at_least(1, int), default=30)
    train.add_argument("--batch-size", type=_at_least(1, int), default=64)
    train.add_argument("--learning-rate", type=float, default=1e-3)
    train.add_argument("--seed", type=int, default=0)
    for name, spec in MODEL_OPTIONS.items():
        choices = {"choices": tuple(registries[name])} if name in registries else {}
        train.add_argument("--" + name.replace("_", "-"), default=None, **spec, **choices)
    train.add_argument("--backend", choices=BACKENDS, default=None,
                       help="Keras backend (default: KERAS_BACKEND, else tensorflow)")
    train.add_argument("--out", required=True, help="output directory")
    train.add_argument("--verbose", type=int, default=1, help="Keras progress bar: 0, 1 or 2")
    train.add_argument("--tensorboard", default=None, metavar="DIR",
                       help="write sample and reconstruction grids and the epoch logs to TensorBoard in DIR")
    train.add_argument("--resume", action="store_true",
                       help="continue an interrupted run in --out from its last epoch's checkpoint")
    train.add_argument("--tensorboard-every", type=_at_least(1, int), default=1, metavar="N",
                       help="epochs between TensorBoard images (and after the last epoch)")

    commands.add_parser("presets", help="list the bundled presets: name, class, dataset, metric, size")
    save = commands.add_parser(
        "save-preset", help="write a trained and evaluated run as a preset directory (keras-hub's layout)"
    )
    save.add_argument("run_dir", help="a directory written by `keras-vi train`, then `keras-vi evaluate`")
    save.add_argument("directory", help="the preset directory to write")
    save.add_argument("--description", required=True, help="what the model is, in one sentence")
    save.add_argument("--metric", choices=("nll_nats", "bits_per_dim", "prior_nll_nats_per_image"), default="nll_nats",
                      help="the evaluation's number that the preset carries as its metric")
    save.add_argument("--card", default=None, help="the results card that reports the run")
    save.add_argument("--recipe", default=None, help="the command that trained the run")
    evaluate = commands.add_parser(
        "evaluate", help="estimate log p(x) of a trained run, or of a preset, on its held-out split"
    )
    evaluate.add_argument("run_dir", nargs="?", default=None, help="a directory written by `keras-vi train`")
    evaluate.add_argument("--preset", default=None, help="a preset (name, directory or handle) in place of run_dir")
    evaluate.add_argument("--data-dir", default=None, help="with --preset: the directory of its dataset's files")
    evaluate.add_argument("--split", default=None, help="with --preset: a slice of its test split, e.g. 'test[:500]'")
    evaluate.add_argument("--num-samples", type=_at_least(1, int), default=5000,
                          help="importance samples k")
    evaluate.add_argument("--proposal", choices=("posterior", "prior"), default="posterior")
    evaluate.add_argument("--batch-size", type=int, default=None, help="examples per step")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--backend", choices=BACKENDS, default=None)
    return parser


def _select_backend(backend, argv):
    """Makes Keras run on `backend`; re-executes the command if it cannot.

    Keras reads KERAS_BACKEND once, when first imported, and importing
    keras_vi imports Keras: when it already runs on another backend, the
    same command starts again in a fresh interpreter with KERAS_BACKEND set.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend is not None:
        os.environ["KERAS_BACKEND"] = backend
        keras = sys.modules.get("keras")
        if keras is not None and keras.backend.backend() != backend:
            sys.stdout.flush()
            os.execv(sys.executable, [sys.executable, "-m", "keras_vi", *argv])



def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument("--backend", choices=BACKENDS, default=None)
    _select_backend(backend.parse_known_args(argv)[0].backend, argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            from keras_vi.cli.train import train

            train(args)
        elif args.command == "presets":
            from keras_vi.cli.presets import list_presets

            list_presets()
        elif args.command == "save-preset":
            from keras_vi.cli.presets import save_run_as_preset

            save_run_as_preset(args)
        else:
            evaluate(args)
    except (ValueError, FileNotFoundError) as e:
        print(f"keras-vi: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
