# drbdha — developer entry points. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV3006 := .venv3006
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
APT_LISTS := apt-packages.txt $(wildcard test/lab/apt-packages.txt test/lab/guest/apt-packages.txt test/lab/fast/apt-packages.txt)

.PHONY: help deps apt venv venv3006 lint test test-fast test-unit test-functional test-3006 test-lab test-drills demo lab-down clean

help: ## this list
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

apt: .stamps/apt ## Debian packages the tests and the lab need (apt-get)
.stamps/apt: $(APT_LISTS)
	@mkdir -p .stamps
	@pkgs=$$(cat $(APT_LISTS) | sed 's/#.*//' | xargs); \
	missing=$$(for p in $$pkgs; do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done | xargs); \
	if [ -n "$$missing" ]; then \
	  echo ">> apt-get install $$missing"; \
	  policy=/usr/sbin/policy-rc.d; created=; \
	  if [ ! -e $$policy ]; then printf '#!/bin/sh\nexit 101\n' > $$policy; chmod +x $$policy; created=1; fi; \
	  apt-get update -q; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends $$missing; \
	  if [ -n "$$created" ]; then rm -f $$policy; fi; \
	fi
	@touch $@

venv: $(VENV)/.done ## virtualenv with pinned Salt 3008 and the test tools
$(VENV)/.done: requirements/salt3008.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements/salt3008.txt
	@touch $@

venv3006: $(VENV3006)/.done ## virtualenv with pinned Salt 3006 LTS (second test lane)
$(VENV3006)/.done: requirements/salt3006.txt
	$(PYTHON) -m venv $(VENV3006)
	$(VENV3006)/bin/pip install -q --upgrade pip
	$(VENV3006)/bin/pip install -q -r requirements/salt3006.txt
	@touch $@

deps: apt venv venv3006 ## everything the tests need

lint: venv ## ruff, yamllint, salt-lint
	$(VENV)/bin/ruff check _modules _states _runners _utils test
	$(VENV)/bin/yamllint -s .
	@files=$$(find drbdha -name '*.sls' | sort); \
	if [ -n "$$files" ]; then $(VENV)/bin/salt-lint $$files; fi

test-unit: venv ## unit tests (parsers on captured output, module logic)
	$(VENV)/bin/pytest test/unit $(PYTEST_ARGS)

test-functional: deps ## functional tests: a real salt-master and two minions
	$(VENV)/bin/pytest test/functional $(PYTEST_ARGS)

test-fast: deps ## unit + functional on Salt 3008 (a few minutes; for iteration)
	$(VENV)/bin/pytest test/unit test/functional $(PYTEST_ARGS)

test-3006: deps ## unit + functional on Salt 3006 LTS (bad pillars render on 3008 only)
	$(VENV3006)/bin/pytest -p no:cacheprovider test/unit test/functional -k "not test_bad_pillar_stops_the_render" $(PYTEST_ARGS)

test-lab: deps ## the two-node lab with the real tools (slow: builds and boots VMs)
	DRBDHA_LAB=1 $(VENV)/bin/pytest test/lab -m "not drill" $(PYTEST_ARGS)

test-drills: deps ## crmsh cluster mode, lab rollout + fault drills: move, power-off, link cut, reboot, resync, split brain (slow)
	DRBDHA_LAB=1 DRBDHA_LAB_GUARDS=1 $(VENV)/bin/pytest test/lab/test_cluster_modes.py test/lab/test_rollout.py test/lab/test_rollout_faults.py $(PYTEST_ARGS)

test: lint test-fast test-3006 test-lab ## everything CI runs

demo: deps ## the whole rollout on the two-node lab, status, then a failover
	test/lab/demo

lab-down: ## stop the lab and everything it started
	test/lab/lab down

clean: ## remove virtualenvs and caches (not the lab image cache)
	rm -rf $(VENV) $(VENV3006) .stamps .pytest_cache .ruff_cache
