"""Data-parallel scaling (JAX, virtual CPU devices) and mixed precision against float32.

    python -m benchmarks.scaling [--data-dir DIR] [--steps 64] [--repeats 5]
    (`python -m benchmarks.run` runs it too, into RESULTS.md)

The MLP VAE of `benchmarks.case` (784-512-256-10, binarized MNIST test images as vectors
with --data-dir, else random binary data), Adam, `fit` epochs of `--steps` steps:
- on JAX, examples/s without virtual devices, then with two virtual CPU devices
  (`XLA_FLAGS=--xla_force_host_platform_device_count=2`) under
  `keras.distribution.DataParallel` over one and over two of them, batch 128 and 256;
- on every backend, examples/s with the `float32` and the `mixed_bfloat16` policy.
Each measurement runs in its own process (XLA_FLAGS and the policy are read at start);
the throughput is the median epoch after a first one that compiles. Prints one JSON line
per measurement, then a Markdown table.

On a CPU machine, "devices" are the host's cores split in two: the scaling figure says
what Keras and XLA cost to split a batch, not what two accelerators would give. On this
2-core machine an all-reduce between the two virtual devices sometimes never completes
(XLA's CPU runtime aborts the process after its collective timeout): such a measurement
is retried, up to three times, and the stalls are reported.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(args):
    """One measurement, in this process (see `main`)."""
    import keras
    import numpy as np

    import keras_vi
    from benchmarks.case import data
    from benchmarks.timing import EpochTimes

    if args.policy != "float32":
        keras.mixed_precision.set_dtype_policy(args.policy)
    devices = None
    if args.devices:
        import jax

        devices = jax.devices()[: args.devices]
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    x = data(args.batch_size * args.steps, args.data_dir)
    keras.utils.set_random_seed(0)
    model = keras_vi.zoo.VAE(latent_dim=10, hidden_units=(512, 256), seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))

    timer = EpochTimes()
    history = model.fit(x, epochs=args.repeats + 1, batch_size=args.batch_size, shuffle=False,
                        verbose=0, callbacks=[timer])
    steady = timer.times[1:]  # the first epoch compiles
    return {
        "backend": keras.backend.backend(), "policy": args.policy, "batch_size": args.batch_size,
        "virtual_devices": _virtual_devices() if args.devices else 0,
        "data_parallel_devices": args.devices,
        "examples_per_s": args.batch_size * args.steps / statistics.median(steady),
        "epoch_s_min_max": [min(steady), max(steady)],
        "final_loss": float(history.history["loss"][-1]),
        "finite": bool(np.isfinite(history.history["loss"]).all()),
    }


def _virtual_devices():
    import re

    found = re.search(r"device_count=(\d+)", os.environ.get("XLA_FLAGS", ""))
    return int(found.group(1)) if found else 1


# XLA's CPU runtime aborts a process whose all-reduce waits this long (see RENDEZVOUS)
COLLECTIVE_TIMEOUT_S = 120
# what XLA prints when it aborts a stalled all-reduce between virtual CPU devices
RENDEZVOUS = "Termination timeout for `all reduce"


def _run(backend, flags, extra_env=None, attempts=1):
    """One measurement in a fresh process; a stalled all-reduce is retried (see README)."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", **(extra_env or {})}
    stalls = 0
    for _ in range(attempts):
        out = subprocess.run([sys.executable, "-m", "benchmarks.scaling", "--one", *flags], cwd=REPO,
                             env=env, capture_output=True, text=True, timeout=3600)
        if out.returncode == 0:
            row = {**json.loads(out.stdout.strip().splitlines()[-1]), "stalled_attempts": stalls}
            print(json.dumps(row), flush=True)
            return row
        if RENDEZVOUS not in out.stderr:
            raise RuntimeError(f"{backend} {flags} failed:\n{out.stderr[-3000:]}")
        stalls += 1
    row = {"backend": backend, "flags": flags, "stalled_attempts": stalls, "examples_per_s": None}
    print(json.dumps(row), flush=True)
    return row


def measure_all(data_dir=None, steps=64, repeats=5, backends=("jax", "tensorflow", "torch")):
    """Every measurement of this module, each in its own process: a list of rows."""
    common = ["--steps", str(steps), "--repeats", str(repeats)]
    if data_dir:
        common += ["--data-dir", data_dir]
    # virtual devices share the cores: one may reach an all-reduce more than XLA's
    # default 40 s after the other on 2 cores (which aborts the process)
    two = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2 "
                        f"--xla_cpu_collective_call_terminate_timeout_seconds={COLLECTIVE_TIMEOUT_S}"}
    rows = []
    if "jax" in backends:
        for batch in (128, 256):
            size = ["--batch-size", str(batch)]
            rows.append(_run("jax", common + size))
            rows += [_run("jax", common + size + ["--devices", str(n)], two, attempts=3) for n in (1, 2)]
    for backend in backends:
        for policy in ("float32", "mixed_bfloat16"):
            rows.append(_run(backend, common + ["--policy", policy]))
    return rows


def table(rows):
    """The rows as Markdown lines."""
    lines = ["| backend | policy | batch | devices (DataParallel / virtual) | examples/s | epoch s (min-max) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        if r["examples_per_s"] is None:
            lines.append(f"| {r['backend']} | {' '.join(r['flags'])} | | | all {r['stalled_attempts']} "
                         "attempts stalled in an all-reduce | |")
            continue
        devices = f"{r['data_parallel_devices']} / {r['virtual_devices']}" if r["data_parallel_devices"] else "1 (no flag)"
        stalled = f" ({r['stalled_attempts']} stalled attempt(s) before)" if r["stalled_attempts"] else ""
        lines.append(f"| {r['backend']} | {r['policy']} | {r['batch_size']} | {devices} | "
                     f"{r['examples_per_s']:,.0f}{stalled} | "
                     f"{r['epoch_s_min_max'][0]:.3f}-{r['epoch_s_min_max'][1]:.3f} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None, help="MNIST's IDX files (default: random binary data)")
    parser.add_argument("--steps", type=int, default=64, help="steps per timed epoch")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs")
    parser.add_argument("--one", action="store_true", help="one measurement in this process")
    parser.add_argument("--policy", default="float32")
    parser.add_argument("--devices", type=int, default=0, help="DataParallel over this many devices")
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args)))
        return
    print("\n" + "\n".join(table(measure_all(args.data_dir, args.steps, args.repeats))))


if __name__ == "__main__":
    main()
