# `make test` installs everything the test suite needs on a fresh Debian machine and runs it.
PYTHON ?= python3
# Debian packages the tests need, each named as the command it provides.
SYSTEM_PACKAGES = chromium redis-server ffmpeg

.PHONY: test install-test-deps serve lint bench

test: install-test-deps
	$(PYTHON) -m pytest -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

install-test-deps:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do \
		command -v $$package >/dev/null || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	$(PYTHON) -m pip install -q -e '.[test]'

serve:
	$(PYTHON) -m pip install -q . && podalign serve

# mypy sees the installed layout (podalign.aligner is the folder aligner/) through a
# tree of symlinks under build/, and reports each error at its path in the repository.
TYPECHECK = build/typecheck

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	@rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/podalign
	@for package in aligner audio transcripts api; do ln -s ../../../$$package $(TYPECHECK)/podalign/; done
	@for module in podalign/*.py; do ln -s ../../../$$module $(TYPECHECK)/podalign/; done
	@$(PYTHON) -m mypy $(TYPECHECK)/podalign > $(TYPECHECK)/report.txt; rc=$$?; \
	sed -E 's#^$(TYPECHECK)/podalign/(aligner|audio|transcripts|api)/#\1/#; s#^$(TYPECHECK)/##' \
		$(TYPECHECK)/report.txt; exit $$rc

bench:
	benchmarks/run.sh
