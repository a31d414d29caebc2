"""The README gallery's pictures of the bundled presets: each loaded and drawn, nothing trained.

    python docs/gallery.py --out docs/gallery

Writes NAME_samples.png for every bundled preset (`model.sample(64, seed=0)`), and for a
latent variable model trained on dSprites NAME_traversals.png (`plotting.latent_traversals`
of a held-out draw). A picture in the README under "Gallery" names this command.
"""

import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("docs", "gallery"))
    parser.add_argument("--presets", nargs="*", default=None, help="some of the bundled presets (default: all)")
    parser.add_argument("--num-samples", type=int, default=64,
                        help="samples per picture (64; an ARVAE draws its pixels one by one, so fewer is faster)")
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vi import datasets, plotting, zoo
    from keras_vi.zoo import presets

    bundled = presets.bundled_presets()
    names = sorted(bundled) if args.presets is None else args.presets
    for name in names:
        if name not in bundled:
            raise SystemExit(f"gallery: no bundled preset {name!r} (there are {', '.join(sorted(bundled))})")
    os.makedirs(args.out, exist_ok=True)
    for name in names:
        model = zoo.load_preset(name)
        written = [os.path.join(args.out, f"{name}_samples.png")]
        plotting.plot_samples(model, written[0], n=args.num_samples, seed=0)
        evaluation = bundled[name].get("evaluation", {})
        if evaluation.get("dataset") == "dsprites" and hasattr(model, "latent_dim"):
            x = datasets.DSprites().sample(500, np.random.RandomState(evaluation["seed"]))[1]
            written.append(os.path.join(args.out, f"{name}_traversals.png"))
            plotting.latent_traversals(model, x, written[-1])
        print(f"{name}: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
