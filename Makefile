# Streamwarden: the two commands a newcomer needs, and a few more.
# `make demo` runs the main job; `make test` runs every test (.ci/run calls it).

CARGO ?= cargo

.PHONY: demo test lint bench clean

demo: ## Check every sample in events/ against the sample policy.
	$(CARGO) run --quiet -p streamwarden-cli -- check --fail-on never --policy events/policy.sample.toml events/

test: lint ## Everything CI runs.
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: ## Criterion benchmarks (release build).
	$(CARGO) bench -p streamwarden --bench evaluate

clean:
	$(CARGO) clean
