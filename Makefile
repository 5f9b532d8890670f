# Two commands for a newcomer: `make run` (the app with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app recovery
HOST ?= 127.0.0.1
PORT ?= 5000
MAIL_PORT ?= 8025
SMS_PORT ?= 8026
# The SMS sink's account (any values: nothing reaches Twilio); real credentials go in the
# environment or instance/config.py, never in the repository.
SMS_SINK_ENV := TWILIO_ACCOUNT_SID=ACdevsink00000000000000000000000000 TWILIO_AUTH_TOKEN=dev-sink-token \
  TWILIO_FROM=+12195550100 TWILIO_API_BASE=http://127.0.0.1:$(SMS_PORT)

.PHONY: run serve bench test test-sqlite test-postgres setup-db lint clean chromium audit translations screenshots

$(VENV)/bin/python:
	scripts/bootstrap-python.sh $(VENV)

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

instance/config.py:
	mkdir -p instance
	printf 'SECRET_KEY = "%s"\n' "$$($(PY) -c 'import secrets; print(secrets.token_hex(32))')" > $@
	@echo "Created instance/config.py with a fresh SECRET_KEY (not committed)."

setup-db: $(VENV)/.runtime instance/config.py
	$(FLASK) init-db
	$(SMS_SINK_ENV) $(FLASK) seed-demo --if-empty  # with the SMS sink's settings, so texting patients get texts

# The SMTP sink (mail lands in instance/mail/), the SMS sink (texts land in instance/sms/; a
# patient's reply: curl -d From=+1... -d Body=5 http://127.0.0.1:$(SMS_PORT)/_sink/reply)
# and $(1) reminder scheduler(s) in the background,
# then the web server command $(2) in front; Ctrl-C stops them all. `run` and `serve` share it.
define with_sink_and_schedulers
	@echo "Reminder e-mails go to a local SMTP sink on 127.0.0.1:$(MAIL_PORT) and are saved in instance/mail/"
	@echo "Texts go to a local SMS sink on 127.0.0.1:$(SMS_PORT) and are saved in instance/sms/"
	@echo ""
	@trap 'trap "" EXIT INT TERM; kill 0' EXIT INT TERM; \
	export MAIL_PORT=$(MAIL_PORT) BASE_URL=http://$(HOST):$(PORT) $(SMS_SINK_ENV); \
	$(FLASK) smtp-sink --port $(MAIL_PORT) & \
	$(FLASK) sms-sink --port $(SMS_PORT) & \
	for i in $$(seq 1 $(1)); do $(FLASK) scheduler --name "scheduler-$$i" & done; \
	$(2)
endef

# The web server, the reminder scheduler and a local SMTP sink.
run: setup-db
	@echo ""
	@echo "Recovery is starting on http://$(HOST):$(PORT)"
	@echo "Demo logins (password: recovery-demo): staff@demo.local  clinician@demo.local  patient@demo.local"
	$(call with_sink_and_schedulers,1,$(FLASK) run --host $(HOST) --port $(PORT))

# Two passes at once, one per core: SQLite with the browser tests (tests/browser, marker `browser`)
# and PostgreSQL without them and without the tests that never touch the database under test
# (marker `no_test_database`); it fails if either fails (scripts/test-both.sh).
test: $(VENV)/.dev lint chromium
	scripts/test-both.sh $(PY)

test-sqlite: $(VENV)/.dev chromium
	$(PY) -m pytest

test-postgres: $(VENV)/.dev
	scripts/with-postgres.sh $(PY) -m pytest -m "not browser and not no_test_database"

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium for the browser tests (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "No Chromium at $(CHROMIUM): browser tests will skip (sudo apt-get install chromium)"; \
	  fi; \
	fi

# Spanish: pick up new strings in messages.po (translate them there), then compile the .mo.
# Both files are committed, so a clean clone serves Spanish with no build step.
translations: $(VENV)/.dev
	mkdir -p build
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l --ignore-dirs ".* build instance tests docs" \
	  --no-location --sort-output -o build/messages.pot .
	$(VENV)/bin/pybabel -q update -i build/messages.pot -d recovery/translations --no-fuzzy-matching \
	  --ignore-obsolete -w 100
	$(VENV)/bin/pybabel -q compile -d recovery/translations

# The README's pictures (docs/screenshots/), taken by the browser tests from the demo cohort.
screenshots: $(VENV)/.dev chromium
	DOCS_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q -m browser tests/browser/test_demo_pages.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check recovery tests bench
	$(VENV)/bin/bandit -q -c pyproject.toml -r recovery --severity-level medium

# Known vulnerabilities in the pinned packages. Optional and not part of `make test`: pip-audit needs
# its vulnerability service, which these build machines cannot reach (it then checks nothing).
audit: $(VENV)/.dev
	$(PY) -m pip install -q --disable-pip-version-check pip-audit
	$(VENV)/bin/pip-audit -r requirements.txt

clean:
	rm -rf $(VENV)

# The production layout, locally: gunicorn with WEB_CONCURRENCY workers, SCHEDULERS (1 or 2)
# reminder schedulers and the SMTP sink, on SQLite by default or on DATABASE_URL. Ctrl-C stops all.
WEB_CONCURRENCY ?= 2
SCHEDULERS ?= 1
serve: setup-db
	@echo ""
	@echo "Recovery (gunicorn, $(WEB_CONCURRENCY) workers, $(SCHEDULERS) scheduler(s)) on http://$(HOST):$(PORT)"
	$(call with_sink_and_schedulers,$(SCHEDULERS),WEB_CONCURRENCY=$(WEB_CONCURRENCY) GUNICORN_BIND=$(HOST):$(PORT) \
	  $(VENV)/bin/gunicorn -c gunicorn.conf.py recovery.wsgi:app)

# Benchmarks at 10,000 patients on SQLite and PostgreSQL; prints one table, writes bench/RESULTS.md.
# Smaller and quicker: make bench BENCH_ARGS="--patients 1000 --sweep 4000 --smtp 2000 --seconds 5"
BENCH_ARGS ?=
bench: $(VENV)/.dev
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	scripts/with-postgres.sh $(PY) -m bench.run $(BENCH_ARGS)
