"""Where a keras_vi training step spends its time: cProfile of `model.fit`.

    KERAS_BACKEND=torch python -m benchmarks.profile_fit --steps 200

Profiles 200 steps of the vae_mlp case (after a warm-up) and prints the
functions with the most cumulative time, to explain the gap to the
hand-written loop in RESULTS.md.
"""

import argparse
import cProfile
import io
import pstats

from benchmarks.case import BATCH, build, data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--data-dir", default="../shared/data")
    args = parser.parse_args()
    x = data(BATCH * args.steps, args.data_dir)
    model, _ = build(None)
    model.fit(x[: BATCH * 5], batch_size=BATCH, verbose=0)  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
