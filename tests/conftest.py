import contextlib
import os
import shutil
import tempfile

# JAX: one persistent compilation cache for the whole run, shared with the subprocesses the
# tests start (CLI, tutorials), so a model compiled once is not compiled again by the next
# test or process. Fresh per run (removed at the end): timings stay those of a fresh clone.
_JAX_CACHE = None
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _JAX_CACHE = tempfile.mkdtemp(prefix="keras_vi_jax_cache_")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _JAX_CACHE
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

# XLA (JAX, and TensorFlow's jit_compile): the tests' tiny shapes make compiling, not running,
# the cost. LLVM compiles about a third faster without its optimizations (the JAX conformance
# tests: 96 s -> 62 s), and XLA's CPU compiler faster still with its older loop emitters
# instead of the MLIR fusion emitters: every eager JAX op is a compile of its own (about 50 ms
# each: `tests/test_conformance.py tests/test_mixed_precision.py` took 339 s of CPU on JAX with
# them, 185 s without, run one after the other on 2026-12-03). Only the generated code's speed
# changes, not what it computes; the subprocesses the tests start inherit it. Users' runs keep
# XLA's defaults.
_TEST_XLA_FLAGS = {"xla_backend_optimization_level": "0", "xla_cpu_use_fusion_emitters": "false"}
for _flag, _value in _TEST_XLA_FLAGS.items():
    if _flag not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + f" --{_flag}={_value}").strip()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

BACKEND = keras.backend.backend()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.environ.get(
    "KERAS_VI_DATA_DIR", os.path.join(os.path.dirname(REPO), "shared", "data")
)


def pytest_sessionfinish(session, exitstatus):
    if _JAX_CACHE is not None:
        shutil.rmtree(_JAX_CACHE, ignore_errors=True)


# A backend's suite in shards, each in its own process (`make test` runs TensorFlow's and JAX's
# in two: one process of a suite uses one core, and on 2 cores JAX's alone ran its last
# minutes with the other core idle). KERAS_VI_TEST_SHARD="i/n" keeps the i-th of n groups
# of whole test files (module fixtures and the compiled shapes a file reuses stay in one
# process), balanced by each file's seconds in `--durations=0` (`make test` of a clean clone on
# 2026-12-07: the five processes side by side on 2 cores, so each figure is a share of a core);
# a file not listed counts 2 s a test. JAX's examples: 637 s less the smoke run's k = 100 since
# dropped from latent_variable_models.py (259 s -> 92 s for that tutorial alone on one core). Only the balance depends on these numbers, not which
# tests run: the n shards together run every test.
FILE_SECONDS = {
    "tensorflow": {"examples": 370, "conformance": 278, "presets": 224, "readme": 220, "resume": 217,
                   "data_parallel": 208, "guide": 186, "benchmarks": 158, "hierarchical_vae": 134,
                   "vq_speech_recipe": 129, "mixed_precision": 128, "cli": 96, "doctests": 92, "docs": 85,
                   "collapse": 80, "base": 70, "real_nvp": 53, "export": 53, "gaussian_mixture": 49, "zoo": 47,
                   "priors": 45, "ar_vae": 45, "vq_any_rank": 42, "ar_vae_recipe": 39, "flows": 29,
                   "bad_input": 28, "factor_vae": 23, "vq": 22, "reproductions": 20, "image_logger": 19,
                   "disentanglement": 17, "networks": 16, "estimators": 15, "plotting": 15, "datasets": 14},
    "jax": {"examples": 490, "presets": 371, "cli": 360, "resume": 358, "collapse": 274, "conformance": 198,
            "hierarchical_vae": 178, "guide": 170, "zoo": 156, "benchmarks": 153, "data_parallel": 142,
            "doctests": 95, "datasets": 82, "priors": 70, "ar_vae": 62, "estimators": 62, "base": 58,
            "real_nvp": 51, "export": 50, "mixed_precision": 45, "flows": 41, "vq_any_rank": 36, "vq": 29,
            "image_logger": 28, "readme": 28, "factor_vae": 24, "dequantization": 23, "ar_vae_recipe": 21,
            "bad_input": 21, "plotting": 21, "gaussian_mixture": 18},
}


def parse_shard(text):
    """(i, n) from "i/n" (1 <= i <= n), or a ValueError naming KERAS_VI_TEST_SHARD."""
    parts = text.split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[0]) <= int(parts[1]):
        raise ValueError(f"KERAS_VI_TEST_SHARD must be i/n with 1 <= i <= n, got {text!r}.")
    return int(parts[0]), int(parts[1])


def shard_files(tests_per_file, n, seconds):
    """Splits test files into n groups of about equal time: a list of n sets of file names.

    `tests_per_file` maps a file's name (test_NAME.py) to how many of its tests run;
    `seconds` maps NAME to its measured time. Longest first, each to the lightest group.
    """
    def cost(name):
        return seconds.get(name[len("test_"):-len(".py")], 2.0 * tests_per_file[name])

    groups, loads = [set() for _ in range(n)], [0.0] * n
    for name in sorted(tests_per_file, key=lambda f: (-cost(f), f)):
        lightest = loads.index(min(loads))
        groups[lightest].add(name)
        loads[lightest] += cost(name)
    return groups


def pytest_collection_modifyitems(config, items):
    for item in items:
        # NumPy-only tests give the same result under every backend: run them once.
        if item.get_closest_marker("numpy_only") and BACKEND != "tensorflow":
            item.add_marker(pytest.mark.skip(reason="backend-independent: runs under tensorflow"))
        for marker, backend in (("tf_only", "tensorflow"), ("jax_only", "jax"), ("torch_only", "torch")):
            if item.get_closest_marker(marker) and BACKEND != backend:
                item.add_marker(pytest.mark.skip(reason=f"{backend} backend only"))
    shard = os.environ.get("KERAS_VI_TEST_SHARD")
    if shard:
        index, count = parse_shard(shard)
        runs = {}
        for item in items:
            if not item.get_closest_marker("skip"):
                runs[item.path.name] = runs.get(item.path.name, 0) + 1
        mine = shard_files(runs, count, FILE_SECONDS.get(BACKEND, FILE_SECONDS["jax"]))[index - 1]
        kept = [item for item in items if item.path.name in mine]
        config.hook.pytest_deselected(items=[item for item in items if item.path.name not in mine])
        items[:] = kept


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    yield
    # Keras' global state (names, scopes; TensorFlow's kernel cache, torch.compile's) reset
    # after each test, without the full `gc.collect()` of `free_memory=True`: with three
    # frameworks' modules in the heap it cost about a second a test, a third of the suite's
    # time on PyTorch (`--durations=0`, 2026-11-27); Python's own collector still runs.
    keras.backend.clear_session(free_memory=False)


@pytest.fixture
def digits():
    """64 real 8x8 digits in [0, 1] (scikit-learn's bundled data)."""
    from keras_vi import datasets

    return datasets.load("digits")[:64]


def to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def gradient(fn, x):
    """d sum(fn(x)) / dx as a NumPy array, by the backend's own autodiff.

    Tests only: the library itself never imports a backend.
    """
    x = np.asarray(x, dtype="float32")
    if BACKEND == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(fn(x))
        return tape.gradient(y, x).numpy()
    if BACKEND == "jax":
        import jax

        return np.asarray(jax.grad(lambda v: jax.numpy.sum(fn(v)))(jax.numpy.asarray(x)))
    import torch

    t = torch.tensor(x, requires_grad=True)
    fn(t).sum().backward()
    return t.grad.numpy()


def load_script(*path):
    """A repository script (`zoo/ar_vae/recipe.py`, ...) as a module, by its path under the repository."""
    import importlib.util

    name = "_".join(path).replace(".py", "").replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def interrupted_after(monkeypatch, owner, method):
    """Runs the block with `owner.method` raising KeyboardInterrupt once it has run (a preemption).

    The block must be interrupted: it fails if nothing raised.
    """
    original = getattr(owner, method)

    def interrupting(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise KeyboardInterrupt(f"preempted after {owner.__name__}.{method}")

    with monkeypatch.context() as patch:
        patch.setattr(owner, method, interrupting)
        with pytest.raises(KeyboardInterrupt):
            yield
