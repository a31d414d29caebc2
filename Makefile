# Two commands do all the set-up on a fresh machine:
#   make demo   creates .venv, installs, trains on the embedded digits, writes pictures
#   make test   creates .venv, installs, runs the suite on the three backends
# and, once installed:
#   make docs        builds the documentation site into site/ (offline, --strict)
#   make tutorials   runs examples/*.py at full size, renders docs/tutorials/NAME.md
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
BACKENDS := tensorflow jax torch
DEMO_OUT ?= demo_out
# the fastest backend for the demo's small conv VAE, end to end with the SavedModel export
# (`time make demo DEMO_BACKEND=...`, 2026-12-03: tensorflow 25-27 s, jax 28-29 s, torch 33 s; README)
DEMO_BACKEND ?= tensorflow
# suites tested at once by `make test`: they are mostly single-threaded compilation and
# Python, so on 2 cores three at once took 18 min in CI where one after another took 30 min
# (before the tutorials of issue 15 were added; see README). TensorFlow's and JAX's suites
# run in TEST_SHARDS processes each (tests/conftest.py splits their files by measured time),
# so that no core idles while the longest suite finishes alone;
# TEST_JOBS=1 runs the three suites one after another, unsharded, with live output
TEST_SHARDS ?= 2
TEST_RUNS := $(foreach b,tensorflow jax,$(foreach i,$(shell seq 1 $(TEST_SHARDS)),$(b)-$(i)-$(TEST_SHARDS))) torch-1-1
TEST_JOBS ?= $(words $(TEST_RUNS))
# with backends side by side, one compute thread each: PyTorch's and TensorFlow's thread
# pools spin while they wait, and oversubscribed they slow each other down many times over
PARALLEL_THREADS := OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=2
DATA_DIR ?= ../shared/data
# empty: each tutorial on the fastest backend for its models (docs/render_tutorials.py)
TUTORIAL_BACKEND ?=
TUTORIALS ?=
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: demo test bench docs tutorials install clean

install: $(STAMP)

# Reinstall when the pins or the package metadata change.
$(STAMP): pyproject.toml constraints.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	KERAS_BACKEND=$(DEMO_BACKEND) $(VENV)/bin/keras-vi train vae --dataset digits \
		--epochs 60 --batch-size 32 --latent-dim 10 --out $(DEMO_OUT) --verbose 2
	@echo "Pictures, metrics and the exported model are in $(DEMO_OUT)/"

# The suite once per backend (each process lists its 15 slowest tests); fails if any run fails. With
# TEST_JOBS > 1 each process's output goes to .test-logs/BACKEND-I-N.log (shard I of N) and is printed
# when all are done.
test: $(STAMP)
	@if [ "$(TEST_JOBS)" = 1 ]; then \
		status=0; for backend in $(BACKENDS); do \
			echo "=== KERAS_BACKEND=$$backend ==="; \
			KERAS_BACKEND=$$backend $(PY) -m pytest -q -p no:cacheprovider --durations=15 tests || status=1; \
		done; exit $$status; \
	fi; \
	mkdir -p .test-logs; \
	printf '%s\n' $(TEST_RUNS) | xargs -P $(TEST_JOBS) -I{} sh -c \
		'run={}; log=.test-logs/{}; start=$$(date +%s); \
		KERAS_BACKEND=$${run%%-*} KERAS_VI_TEST_SHARD=$$(echo $${run#*-} | tr - /) $(PARALLEL_THREADS) \
		$(PY) -m pytest -q -p no:cacheprovider --durations=15 --basetemp=$$log.tmp tests > $$log.log 2>&1; \
		echo $$? > $$log.rc; echo "$$run done in $$(( $$(date +%s) - start )) s (exit $$(cat $$log.rc))"'; \
	status=0; for run in $(TEST_RUNS); do \
		echo "=== $$run ==="; cat .test-logs/$$run.log; \
		[ "$$(cat .test-logs/$$run.rc)" = 0 ] || status=1; \
	done; exit $$status

# The documentation site: API pages from the docstrings (mkdocstrings), the rendered
# tutorials, the results cards and the benchmarks; fails on any warning.
docs: $(STAMP)
	$(PY) docs/gen_pages.py
	$(VENV)/bin/mkdocs build --strict --quiet
	$(PY) docs/check_site.py site
	@echo "The site is in site/ (open site/index.html)"

# Every tutorial at full size, rendered with its output and figures into
# docs/tutorials/ (TUTORIALS="name ..." for some). Takes about an hour on 2 cores.
tutorials: $(STAMP)
	$(PY) docs/render_tutorials.py $(TUTORIALS) --data-dir $(DATA_DIR) \
		$(if $(TUTORIAL_BACKEND),--backend $(TUTORIAL_BACKEND))

# Speed measurements (not part of the tests): installs the peer libraries, then
# writes benchmarks/RESULTS.md. Takes tens of minutes on 2 cores.
bench: $(STAMP)
	$(PIP) install --quiet --disable-pip-version-check -c constraints.txt -r requirements-bench.txt
	$(PY) -m benchmarks.run --data-dir $(DATA_DIR)

clean:
	rm -rf $(VENV) $(DEMO_OUT) *.egg-info site .test-logs
