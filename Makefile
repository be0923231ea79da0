# Entry points for a fresh machine: `make demo` (install + run the embedded demo study) and
# `make test` (install + lint + tests). Everything installs into .venv from pinned requirements.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo lint test benchmark paper-replica clean-demo

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/snakemake --profile profiles/demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile rules/

# Every tier, on WORKERS pytest-xdist workers; `.venv/bin/pytest` alone runs the fast one (see
# pyproject.toml). On two cores, two workers cut the wall time by about a third: the SLURM tests
# wait on their cluster for minutes while the rest runs beside them.
WORKERS ?= 2
test: lint
	$(BIN)/pytest -m "" -n $(WORKERS)

benchmark: $(STAMP)
	benchmarks/demo_runtime.sh

# The paper's whole config (312 cells) against the local Hub replica, on the CPU: about an hour on
# 2 cores; appends to benchmarks/results/paper_on_replica.tsv. PY= runs it with another environment,
# e.g. the GPU stack of requirements-gpu.txt, whose timm loads the timm-backbone detectors.
PY ?= $(BIN)/python
paper-replica: $(STAMP)
	$(PY) benchmarks/paper_on_replica.py

clean-demo:
	rm -rf results logs cache/demo
