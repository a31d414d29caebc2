# Two commands do all the set-up on a fresh machine:
#   make demo   creates .venv, installs, trains on the embedded digits, writes pictures
#   make test   creates .venv, installs, runs the suite on the three backends
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
BACKENDS := tensorflow jax torch
DEMO_OUT ?= demo_out
DEMO_BACKEND ?= jax
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: demo test bench install clean

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

# The suite once per backend; fails if any run fails.
test: $(STAMP)
	@status=0; for backend in $(BACKENDS); do \
		echo "=== KERAS_BACKEND=$$backend ==="; \
		KERAS_BACKEND=$$backend $(PY) -m pytest -q -p no:cacheprovider tests || status=1; \
	done; exit $$status

# Speed measurements (not part of the tests): installs the peer libraries, then
# writes benchmarks/RESULTS.md. Takes tens of minutes on 2 cores.
bench: $(STAMP)
	$(PIP) install --quiet --disable-pip-version-check -c constraints.txt -r requirements-bench.txt
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) $(DEMO_OUT) *.egg-info
