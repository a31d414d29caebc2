"""A smoke run of the benchmark harness on this backend: no timing is asserted."""

from benchmarks import run
from tests.conftest import BACKEND


def test_benchmark_harness_smoke(tmp_path):
    out = tmp_path / "RESULTS.md"
    assert run.main(["--smoke", "--backends", BACKEND, "--out", str(out)]) == 0
    text = out.read_text()
    assert f"| {BACKEND} | vae_mlp | auto | yes" in text  # the step-0 losses agree
    assert f"| {BACKEND} | 20 |" in text
