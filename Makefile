# Streamwarden: the two commands a newcomer needs, and a few more (`make help` lists them).
# `make demo` runs the main job on the local stack; `make test` runs every test
# (.ci/run calls it).

CARGO ?= cargo
# Options for scripts/demo.py: `make demo DEMO_FLAGS=--keep` leaves the local stack
# running, `DEMO_FLAGS=--check` also verifies what the demo shows.
DEMO_FLAGS ?=
# Cases per property of the fuzz guard (shared/tests/fuzz.rs) in `make test`: 30 to 60 s
# on the 2-core machine, by its load (the test's own default, 256, takes a fraction of a
# second, for quick local runs).
FUZZ_CASES ?= 100000
# The local stack's Python tools (moto server, cargo-lambda, cfn-lint, sam) live in
# .venv/, installed by scripts/bootstrap.sh.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: demo check-samples test lint lint-template bench bootstrap clean help

demo: bootstrap ## The whole system on the local stack (scripts/demo.py; DEMO_FLAGS=--keep or --check).
	scripts/demo.py $(DEMO_FLAGS)

check-samples: ## Offline: check every sample in events/check/ against the sample policy.
	$(CARGO) run --quiet -p streamwarden-cli -- check --fail-on never --policy events/check/policy.sample.toml events/check/

test: lint bootstrap ## Everything CI runs.
	scripts/install-chromium.sh
	scripts/lint-template.sh
	STREAMWARDEN_FUZZ_CASES=$(FUZZ_CASES) $(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

lint: ## cargo fmt --check and clippy -D warnings on the whole workspace.
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

lint-template: bootstrap ## sam validate --lint and cfn-lint on template.yaml and member.yaml.
	scripts/lint-template.sh

bootstrap: ## Python venv with moto server, cargo-lambda, cfn-lint and sam (idempotent).
	scripts/bootstrap.sh

bench: ## Criterion benchmarks (release build).
	$(CARGO) bench -p streamwarden --bench evaluate

clean: ## cargo clean (keeps .venv/).
	$(CARGO) clean

help: ## This list.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/' | expand -t 16
