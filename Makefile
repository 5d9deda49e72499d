# The user interface. `make deploy` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENV ?= dev
ACCOUNT ?=
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV := .venv-checkov/bin/checkov

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_VERBOSITY := -1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CHECKPOINT_DISABLE := 1
export CI ?=
# Terraform providers come from this filesystem mirror when it is set (this machine has one);
# otherwise from the public registry. Pass TF_PROVIDER_MIRROR= to force the registry.
export TF_PROVIDER_MIRROR ?= $(wildcard /opt/tf-plugins)

.PHONY: help setup synth plan bootstrap deploy destroy runtask-image emulator-stop cdktf test gate bench diagram clean rehearse

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(VENV)/.synced node_modules/.synced $(CHECKOV)  ## install Python (Pipfile.lock), cdktf-cli (package-lock.json) and checkov (own venv)

$(VENV)/.synced: Pipfile.lock
	@command -v pipenv >/dev/null || python3 -m pip install --quiet 'pipenv==2026.10.3'
	pipenv sync --dev
	@touch $@

node_modules/.synced: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CHECKOV): requirements/checkov.txt
	python3 -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --disable-pip-version-check -r requirements/checkov.txt
	@touch $@

synth: setup  ## synthesize every stack of every environment into cdktf.out/ (and build/terraformrc for cdktf/terraform)
	$(PY) main.py
	@echo "Terraform CLI config for npx cdktf / terraform: export TF_CLI_CONFIG_FILE=$$($(PY) -m tooling.harness.terraform)"

plan: setup  ## plan the stacks of ENV (default dev) offline: make plan ENV=prod
	PLATFORM_ENVIRONMENTS=$(ENV) $(PY) -m tooling.harness.plan

bootstrap: setup  ## once per account, with its admin credentials: the role the stacks assume (ENV's file: assume_role; ACCOUNT=delivery: its delivery account)
	ENV=$(ENV) ACCOUNT=$(ACCOUNT) $(PY) -m tooling.deploy.bootstrap

deploy: setup  ## the main job: deploy every stack of ENV (default dev) to the local AWS emulator (PLATFORM_TARGET=aws: to AWS)
	ENV=$(ENV) $(PY) -m tooling.deploy.cli

destroy: setup  ## destroy what `make deploy` deployed, then stop the emulator
	ENV=$(ENV) $(PY) -m tooling.deploy.rollout destroy

runtask-image:  ## build and push the run task's image (needs Docker and AWS credentials): make runtask-image ENV=prod TAG=release-<id>
	@test -n "$(TAG)" || { echo "error: TAG= is required (then set run_task.image_tag = \"<TAG>\" in environments/$(ENV).hcl)" >&2; exit 2; }
	repository=$$($(PY) -m tooling.runtask image-repository $(ENV)) && registry=$${repository%%/*} && \
	aws ecr get-login-password --region $$(echo $$registry | cut -d. -f4) | docker login --username AWS --password-stdin $$registry && \
	docker build --platform linux/amd64 --provenance=false -f tooling/runtask/Dockerfile -t $$repository:$(TAG) . && \
	docker push $$repository:$(TAG)

emulator-stop:  ## stop the local AWS emulator (by its recorded PID) without destroying anything
	$(PY) -m tooling.emulator.server stop

cdktf: setup  ## the cdktf CLI with the project's Terraform config: make cdktf ARGS="diff dev-service" (PLATFORM_TARGET=emulator: on the running emulator)
	TF_CLI_CONFIG_FILE=$$($(PY) -m tooling.harness.terraform) npx cdktf $(ARGS)

rehearse: setup  ## rehearse releases of dev and prod (and two that must roll back) on the emulator, as the services' roles
	$(PY) -m tooling.rehearsal

lint: setup  ## ruff: lint and formatting (settings in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: setup lint  ## lint, then every test (unit, plan-JSON, policy, end-to-end)
	$(PY) -m pytest

gate: setup  ## the pull-request policy gate: synth, plan, checkov, plan-JSON tests
	$(PY) -m tooling.gate.runner

bench: setup  ## print synth/plan/gate figures for this machine
	$(PY) bench/run.py

diagram: setup  ## regenerate the README's release-flow diagrams from the synthesized pipelines
	$(PY) -m tooling.harness.diagram

clean:  ## remove generated output (not the installed tools)
	rm -rf cdktf.out build reports .pytest_cache
