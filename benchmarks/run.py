"""The benchmark entry point: runs every case per backend, writes RESULTS.md.

    python -m benchmarks.run                      # all backends, full sizes
    python -m benchmarks.run --smoke --out /tmp/R.md --backends jax

Each case runs in a fresh subprocess (Keras picks its backend at import), after
a warm-up, with the timings of keras_vi and of the hand-written loop
interleaved. Timings are for this machine only; see the header of RESULTS.md.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

from benchmarks.report import write_report

BACKENDS = ("tensorflow", "jax", "torch")
# The training cases, as data: (backends, case, keras_vi's jit_compile, its loop). The first
# three are Keras' defaults everywhere; the others are switches a user may turn: torch.compile,
# TensorFlow's `train_on_batch` loop (fit without its dataset iterator) and XLA.
TRAIN_RUNS = (
    [(BACKENDS, case, "auto", "fit") for case in ("vae_mlp", "iwae_k50_mlp", "vae_conv")]
    + [(("torch",), "vae_mlp", "true", "fit")]
    + [(("tensorflow",), case, "auto", "train_on_batch") for case in ("vae_mlp", "iwae_k50_mlp", "vae_conv")]
    + [(("tensorflow",), case, "true", loop) for loop in ("fit", "train_on_batch")
       for case in ("vae_mlp", "iwae_k50_mlp")]
)
SMOKE_RUNS = [(BACKENDS, "vae_mlp", "auto", "fit")]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_case(backend, args, module="benchmarks.case"):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"{backend} {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine():
    from keras_vi.utils import cpu_model

    cpu = cpu_model() or "unknown CPU"
    versions = {}
    for name in ("keras", "tensorflow", "jax", "torch", "numpy"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "not installed"
    return cpu, versions


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--steps", type=int, default=100,
                        help="steps per timing of vae_mlp; half as many for the slower cases")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--processes", type=int, default=3,
                        help="fresh processes per goal row (Keras' defaults, `fit`): the report takes "
                             "the process of median ratio, since the spread between processes is "
                             "larger than within one")
    parser.add_argument("--num-samples", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness only")
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "RESULTS.md"),
                        help="the report; the raw measurements go next to it as .jsonl")
    parser.add_argument("--data-dir", default=None,
                        help="MNIST's IDX files for the ARVAE and scaling cases (default: random binary data)")
    parser.add_argument("--from-jsonl", metavar="PATH",
                        help="write the report from a previous run's measurements; runs nothing")
    args = parser.parse_args(argv)
    train_runs = TRAIN_RUNS
    if args.smoke:
        args.steps, args.repeats, args.num_samples, train_runs = 2, 1, [20], SMOKE_RUNS
        args.processes = min(args.processes, 2)
    train, loglik, profiles, peers, growth, ar_vae, scaling = [], [], [], [], [], [], []
    # the .jsonl's "kind" of each measurement -> its list (read by --from-jsonl, written below)
    by_kind = {"train": train, "loglik": loglik, "profile": profiles, "peer": peers, "growth": growth,
               "ar_vae": ar_vae, "scaling": scaling}
    if args.from_jsonl:
        measured = [json.loads(line) for line in open(args.from_jsonl) if line.strip()]
        meta = measured.pop(0)
        args.steps, args.repeats, args.smoke = meta["steps"], meta["repeats"], meta["smoke"]
        for r in measured:
            by_kind[r.pop("kind")].append(r)
        return write_report(args, train, loglik, profiles, peers, meta, growth, ar_vae, scaling)
    ar_vae_flags = ["--sample-sizes", "16"] + (["--data-dir", args.data_dir] if args.data_dir else [])
    if args.smoke:
        ar_vae_flags += ["--examples", "64", "--epochs", "2", "--decoder-layers", "1", "--image-size", "8"]
    for backend in args.backends:
        runs = [(case, jit, loop) for backends, case, jit, loop in train_runs if backend in backends]
        for case, jit, loop in runs:
            steps = args.steps if case == "vae_mlp" else max(args.steps // 2, 1)
            for process in range(args.processes if (jit, loop) == ("auto", "fit") else 1):
                train.append({**run_case(backend, ["train", "--case", case, "--steps", str(steps),
                                                   "--repeats", str(args.repeats), "--jit-compile", jit,
                                                   "--loop", loop]), "process": process})
                print(json.dumps(train[-1]), flush=True)
        for k in args.num_samples:
            loglik.append(run_case(backend, ["loglik", "--num-samples", str(k),
                                             "--num-examples", "100" if not args.smoke else "4"]))
            print(json.dumps(loglik[-1]), flush=True)
        for grows, flags in growth_runs(args.smoke):
            growth.append({"grows": grows, **run_case(backend, flags, module="benchmarks.growth")})
            print(json.dumps(growth[-1]), flush=True)
        ar_vae.append(run_case(backend, ar_vae_flags, module="benchmarks.ar_vae"))
        print(json.dumps(ar_vae[-1]), flush=True)
        if not args.smoke and backend in ("tensorflow", "torch"):  # below the goal: why
            profiles.append(run_case(backend, ["--json", "--steps", "200"],
                                     module="benchmarks.profile_fit"))
            print(json.dumps(profiles[-1]), flush=True)
    if not args.smoke:  # data parallel (virtual devices) and mixed precision: many processes
        from benchmarks import scaling as scaling_module

        scaling += scaling_module.measure_all(args.data_dir, backends=tuple(args.backends))
        import importlib.util

        for peer, package in (("pythae", "pythae"), ("vq", "vector_quantize_pytorch")):
            if importlib.util.find_spec(package) is None:
                print(f"{package} is not installed (make bench installs it): skipped", flush=True)
                continue
            peers.append(run_case("torch", [peer, "--steps", str(args.steps), "--repeats",
                                            str(args.repeats)], module="benchmarks.peers"))
            print(json.dumps(peers[-1]), flush=True)
    cpu, versions = machine()
    meta = {"date": datetime.date.today().isoformat(), "cores": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), "versions": versions, "steps": args.steps,
            "repeats": args.repeats, "processes": args.processes, "smoke": args.smoke}
    with open(os.path.splitext(args.out)[0] + ".jsonl", "w") as f:
        f.write(json.dumps(meta) + "\n")
        for kind, rows in by_kind.items():
            for r in rows:
                f.write(json.dumps({"kind": kind, **r}) + "\n")
    return write_report(args, train, loglik, profiles, peers, meta, growth, ar_vae, scaling)


def growth_runs(smoke):
    """(what grows, flags) of benchmarks.growth's measurements (none for --smoke: its test runs one)."""
    from benchmarks.growth import grid_flags

    return [] if smoke else list(grid_flags())


if __name__ == "__main__":
    sys.exit(main())
