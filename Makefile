# Streamwarden: the two commands a newcomer needs, and a few more.
# `make demo` runs the main job on the local stack; `make test` runs every test
# (.ci/run calls it).

CARGO ?= cargo
# The local stack's Python tools (moto server, cargo-lambda, cfn-lint, sam) live in
# .venv/, installed by scripts/bootstrap.sh.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: demo test lint lint-template bench bootstrap clean check-samples

demo: ## Check every sample in events/ against the sample policy.
	$(CARGO) run --quiet -p streamwarden-cli -- check --fail-on never --policy events/check/policy.sample.toml events/check/

test: lint bootstrap ## Everything CI runs.
	scripts/install-chromium.sh
	scripts/lint-template.sh
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

lint-template: bootstrap ## sam validate --lint and cfn-lint on template.yaml.
	scripts/lint-template.sh

bootstrap: ## Python venv with moto server, cargo-lambda, cfn-lint and sam (idempotent).
	scripts/bootstrap.sh

bench: ## Criterion benchmarks (release build).
	$(CARGO) bench -p streamwarden --bench evaluate

clean:
	$(CARGO) clean
