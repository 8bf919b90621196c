# PlanGuard: `make run` serves a demo on http://127.0.0.1:8080, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
DEMO_PROJECTS ?= 2000
export FLASK_APP := app.py
HAS_CJK_FONT := fc-list 2>/dev/null | grep -qi "wqy\|Noto Sans CJK"

.PHONY: install translations setup demo run test cjk-font debian-packages messages clean

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate translations

translations: $(BIN)/activate
	$(BIN)/pybabel compile -d core/translations

setup: install cjk-font
	$(BIN)/flask setup

demo: setup
	$(BIN)/flask demo seed --projects $(DEMO_PROJECTS) --if-empty --scan

run: demo
	@echo "PlanGuard on http://127.0.0.1:$(PORT)  (login: $${ADMIN_USER:-admin} / $${ADMIN_PASSWORD:-admin}; demo users office, pm, pm2, auditor: password = username)"
	PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py "app:create_app()"

# Debian packages. `make run` asks only for a CJK font for the charts, and only when it can
# (root and apt-get): without one it says so and serves anyway (chart labels would show boxes).
# `make test` needs the font and Debian's chromium for the browser tests (never a downloaded
# browser), and fails when it cannot install them.
cjk-font:
	@if ! $(HAS_CJK_FONT); then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; \
		else echo "note: no CJK font; chart labels will show boxes (install fonts-wqy-microhei)"; fi; \
	fi

debian-packages:
	@if ! command -v chromium >/dev/null 2>&1 || ! $(HAS_CJK_FONT); then \
		if command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
		else echo "no apt-get: install chromium and fonts-wqy-microhei by hand"; exit 1; fi; \
	fi

test: install debian-packages
	$(BIN)/python -m pytest -q tests

clean:
	rm -rf $(VENV) instance test-artifacts

# After changing user-facing strings: refresh the catalog, translate the new entries in
# core/translations/zh/LC_MESSAGES/messages.po, then `make translations`.
messages: $(BIN)/activate
	$(BIN)/pybabel extract -F core/babel.cfg -k _l -k lazy_gettext -k _n:1,2 -k lazy_ngettext:1,2 \
		--project=PlanGuard -o core/translations/messages.pot .
	$(BIN)/pybabel update -i core/translations/messages.pot -d core/translations -l zh --no-fuzzy-matching
