# Two commands for a new user: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
LANGS := nb nn sv da fi
CATALOGS := facilitator/translations

.PHONY: run serve test bench install install-test system-deps system-test-deps translations extract compile-translations demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the declared dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed compile-translations system-deps

install-test: $(VENV)/.installed-test compile-translations system-test-deps tests/oidc/node_modules/.package-lock.json

# The tests' OpenID provider (tests/oidc): oidc-provider from the npm registry, exactly as the
# lockfile pins it. Without npm the single sign-on tests skip (and fail in CI).
tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json
	@if command -v npm >/dev/null; then cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm is missing: the single sign-on tests will skip"; fi

## run: install, migrate, load the demo on first start, and serve with gunicorn + gevent
run: install
	@mkdir -p instance
	$(BIN)/flask --app wsgi db upgrade
	@$(BIN)/flask --app wsgi demo --if-empty
	@echo
	@echo "  facilitator is running at http://$(HOST):$(PORT)/   (Ctrl+C stops it)"
	@echo
	$(BIN)/gunicorn --worker-class gevent --workers 1 --worker-connections 10000 --keep-alive 75 \
		--bind $(HOST):$(PORT) \
		--access-logfile - --graceful-timeout 5 wsgi:app

## test: install what the tests need (Chromium from Debian included) and run every test
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: the capacity benchmark's full matrix (about 25 minutes; BENCH_ARGS=--quick for a smoke run)
bench: $(VENV)/.installed-bench compile-translations system-test-deps
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Debian packages: Pango for WeasyPrint's PDF minutes; for the tests also Chromium (Playwright
# never downloads a browser here), poppler's pdftotext/pdftoppm and LibreOffice to read exports back.
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils libreoffice-writer-nogui nginx-light \
	libnginx-mod-http-brotli-static

define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "Installing from Debian: $$missing"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

system-deps:
	$(call apt_install,$(RUN_PACKAGES))

system-test-deps:
	$(call apt_install,$(TEST_PACKAGES))

## translations: extract strings, update every catalog, compile
translations: extract compile-translations

extract: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-wrap --sort-by-file \
		--project facilitator --copyright-holder "facilitator developers" -o $(CATALOGS)/messages.pot .
	@for lang in $(LANGS); do \
		$(BIN)/pybabel -q update --no-wrap --init-missing --ignore-obsolete --no-fuzzy-matching \
			-i $(CATALOGS)/messages.pot -d $(CATALOGS) -l $$lang; \
	done

compile-translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d $(CATALOGS)

demo: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo

clean:
	rm -rf $(VENV) instance .pytest_cache tests/artifacts
