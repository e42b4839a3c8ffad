# Fitting Room Assist: set up, run and test. `make setup` is fast when nothing changed.
#   make run     needs only Python 3.11+ and Node 18+: SQLite and the in-process queue.
#   make setup   also installs the Debian packages the tests drive (scripts/system-packages.sh:
#                chromium, postgresql, redis-server, nginx, fonts), with apt-get as root or sudo.
#   make test    runs `make setup` first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
VENDORED := static/vendor/htmx.min.js static/vendor/socket.io.min.js
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: setup app system-packages run test lint bench screenshots translations clean distclean

setup: app system-packages

# What the app itself needs: the virtualenv, the front-end packages, the compiled catalogs.
app: $(VENV)/.installed node_modules/.installed $(CATALOGS)
	@for f in $(VENDORED); do test -f $$f || { node scripts/vendor.mjs; break; }; done

# Browser, servers and fonts for the tests; the same script .ci/run uses.
system-packages:
	@scripts/system-packages.sh

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ ! -x $(PY) ]; then \
		$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
			|| { echo "setup: Python 3.11 or newer is needed (PYTHON=$(PYTHON))" >&2; exit 1; }; \
		$(PYTHON) -m venv $(VENV); \
	fi
	@$(PY) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
		-r requirements-dev.txt
	@touch $@

# The kiosk's languages: .po files are kept in git, the compiled .mo files are made here.
translations/%.mo: translations/%.po $(VENV)/.installed
	@$(VENV)/bin/pybabel -q compile -i $< -o $@

# `npm ci` empties node_modules/ and runs the postinstall script that fills static/vendor/.
node_modules/.installed: package.json package-lock.json scripts/vendor.mjs
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

# The app refuses to start with no SECRET_KEY; a local install gets its own, kept in instance/.
run: app instance/secret_key
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat instance/secret_key)}"; \
		$(FLASK) --app wsgi db upgrade 2>&1 | grep -v '^INFO' ; \
		$(FLASK) --app wsgi demo && exec $(PY) wsgi.py

instance/secret_key:
	@mkdir -p instance
	@umask 077; $(PY) -c 'import secrets; print(secrets.token_hex(32))' > $@

# Pytest's options live in pyproject.toml; pass more with PYTEST_ARGS="-k lifecycle -x".
# Exit status 5 means no test was collected: fail loudly rather than pass on nothing.
test: setup
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
		if [ $$status -eq 5 ]; then echo "test: pytest collected no tests" >&2; fi; \
		exit $$status

# New or changed strings in the code appear in every catalog with an empty msgstr to fill in.
translations: $(VENV)/.installed
	@scripts/i18n.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

screenshots: setup
	$(PY) -m tests.screenshots

clean:
	rm -rf node_modules static/vendor test-results bench-results bench/results bench/out \
		.pytest_cache .ruff_cache .hypothesis
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +

# Also drops the virtualenv (the next `make setup` reinstalls it from PyPI).
distclean: clean
	rm -rf $(VENV)
