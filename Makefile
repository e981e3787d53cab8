# Louzu: `make run` serves the demo committee, `make test` runs every test on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
export PORT HOST

.PHONY: run test test-sqlite test-postgres install install-test chromium nginx pg-client pdf-libs bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed pdf-libs

install-test: $(VENV)/.installed-test chromium nginx pg-client pdf-libs

# WeasyPrint (the monthly pack's PDF) lays text out with Debian's pango; the pack is Chinese, so
# a CJK font too (WenQuanYi Micro Hei, 4 MB; fonts-noto-cjk would also do).
pdf-libs:
	@if ! ldconfig -p | grep -q libpango-1.0 || ! fc-list :lang=zh | grep -q .; then \
		echo "installing pango and a Chinese font for the PDF"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei) >/dev/null; \
	fi

# Debian's Chromium drives the browser tests; Playwright's own browser download is never used.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	fi

# Debian's nginx runs deploy/nginx/louzu.conf on loopback in tests/test_deploy_nginx.py; only its
# binary is used (the test starts it with its own configuration, never the system service).
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
		echo "installing Debian's nginx"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >/dev/null; \
	fi

# `louzu backup` / `louzu restore` on PostgreSQL run pg_dump, pg_restore and psql (Debian's
# postgresql-client; its major version must be the server's or newer); the tests back up both stores.
pg-client:
	@if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null || ! command -v psql >/dev/null; then \
		echo "installing Debian's postgresql-client"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client) >/dev/null; \
	fi

run: install
	$(VENV)/bin/louzu serve --demo --host $(HOST) --port $(PORT)

test-sqlite: install-test
	LOUZU_TEST_DB=sqlite $(PY) -m pytest -q

test-postgres: install-test
	LOUZU_TEST_DB=postgres $(PY) -m pytest -q

# Both stores at once: each run waits on its database, its browser and its server processes
# much of the time, so on two cores together they take ~12 minutes instead of ~18 one after
# the other. Each run's output goes to its own file, printed whole when both are done.
test: install-test
	@mkdir -p test-artifacts; \
	LOUZU_TEST_DB=sqlite $(PY) -m pytest -q -p no:cacheprovider > test-artifacts/sqlite.log 2>&1 & sqlite=$$!; \
	LOUZU_TEST_DB=postgres $(PY) -m pytest -q -p no:cacheprovider > test-artifacts/postgres.log 2>&1 & postgres=$$!; \
	wait $$sqlite; sqlite_rc=$$?; wait $$postgres; postgres_rc=$$?; \
	echo "== LOUZU_TEST_DB=sqlite (exit $$sqlite_rc)"; cat test-artifacts/sqlite.log; \
	echo "== LOUZU_TEST_DB=postgres (exit $$postgres_rc)"; cat test-artifacts/postgres.log; \
	test $$sqlite_rc -eq 0 && test $$postgres_rc -eq 0

bench: install-test
	$(PY) bench/demo_load.py
	$(PY) bench/offline_budgets.py
	$(PY) bench/roster_import.py

clean:
	rm -rf $(VENV) data/*.sqlite3*
