# greatgame — run `make help` for the targets.
# Everything runs from a local .venv that `make` creates and fills on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS ?= dev,app,analysis,notebooks

.DEFAULT_GOAL := help
.PHONY: help venv demo test test-fast bench app fuzz sensitivity prim patterns calibration docs both-sides-lose clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "greatgame needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install greatgame with every extra

demo: $(STAMP) ## The lecture figure: baseline vs its no-war counterfactual (figures/demo.png, .pdf)
	$(PY) experiments/demo.py

test: $(STAMP) ## Run the whole test suite (what CI runs)
	$(PY) -m pytest -q

test-fast: $(STAMP) ## Run the tests not marked slow
	$(PY) -m pytest -q -m "not slow"

bench: $(STAMP) ## Benchmark: ratios measured side by side, writes bench.json
	$(PY) experiments/bench.py

app: $(STAMP) ## Browser app with sliders (Mesa SolaraViz) on http://localhost:8765
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False $(VENV)/bin/solara run sim/app.py --host 127.0.0.1 --port 8765 --production

fuzz: $(STAMP) ## Fuzz 10,000 parameter vectors for invariant violations
	$(PY) experiments/fuzz.py --vectors 10000

sensitivity: $(STAMP) ## Morris screening then Sobol indices (SALib), tables and figure in results/
	$(PY) experiments/sensitivity.py

prim: $(STAMP) ## Scenario discovery with PRIM (ema-workbench), tables and figure in results/
	$(PY) experiments/prim.py

patterns: $(STAMP) ## Full-size pattern-oriented validation of the op-ed's claims
	$(PY) experiments/patterns.py

both-sides-lose: $(STAMP) ## P(both sides lose) for every scenario at 2,000 replicates, collected
	$(VENV)/bin/greatgame -m +experiment=both_sides_lose
	$(VENV)/bin/greatgame-collect "multirun/+experiment=both_sides_lose"

calibration: $(STAMP) ## Check the start state and the 2021-start sanction run against calibration figures
	$(PY) experiments/calibration_check.py

docs: $(STAMP) ## Regenerate the generated tables in docs/MODEL.md (parameters, world, institutions)
	$(PY) experiments/param_table.py --write docs/MODEL.md

clean: ## Remove the venv, caches and outputs
	rm -rf $(VENV) .pytest_cache outputs multirun figures bench.json
