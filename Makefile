# `make test` installs everything the test suite needs on a fresh Debian machine and runs it.
PYTHON ?= python3
SYSTEM_PACKAGES = chromium redis-server

.PHONY: test install-test-deps serve lint bench cases

test: install-test-deps
	$(PYTHON) -m pytest -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

install-test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	$(PYTHON) -m pip install -q -e '.[test]'

serve:
	$(PYTHON) -m pip install -q . && podalign serve

lint:
	ruff check . && ruff format --check .

bench:
	benchmarks/run.sh

cases:
	benchmarks/build_cases.sh
