# protonats — every target sets up what it needs, from nothing but python3 (3.11+).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every tool the venv holds for development, tests and CI, pinned with hashes (make lock).
LOCK := requirements/dev.lock
PIP := $(PY) -m pip --disable-pip-version-check
# buf runs buf-plugin-protonats (buf.yaml's check plugin) from PATH: the venv's scripts first.
BUF := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/buf
# The example registry: buf.gen.yaml names it (opt package=, version=) and generates it here.
GEN := gen/python
REGISTRY := shop_events
REGISTRY_OPT := package=shop-events,version=1.4
# Its version is version= followed by a revision derived from git: the UTC time of the last
# commit touching these paths (codegen/protonats_codegen/release.py says how and why).
REGISTRY_PATHS := proto buf.gen.yaml
REVISION = PROTONATS_REGISTRY_REVISION="$$($(PY) -m protonats_codegen.release revision $(REGISTRY_PATHS))"
# The TypeScript side (ts/): the @protonats/runtime package and the tools buf.gen.yaml and dist
# run (protoc-gen-es, tsc), installed by npm ci from ts/package-lock.json, once per change of
# the lock. Without node and npm, make generate and make dist do the Python part and say so.
TS := ts
GEN_TS := gen/ts
NODE_FOUND := $(shell command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && echo yes)
NO_NODE := node and npm not found: the Python package only; the npm package ($(GEN_TS), dist/*.tgz) needs Node.js 18+ and npm
NPM_STAMP := $(TS)/node_modules/.package-lock.json
TSC := $(TS)/node_modules/.bin/tsc
RUNTIME_JS := $(TS)/runtime/dist/index.js
# The registry's npm package is compiled in a copy (build/npm/registry) whose node_modules links
# to ts/node_modules: never a link inside gen/, which buf generate's clean would walk into.
NPM_BUILD := build/npm

.PHONY: install old-server npm-install ts-runtime lock test-latest generate generate-protoc runtime-proto dist publish lint-proto lint typecheck check test browser test-browser demo bench bench-peers bench-register bench-actors bench-codegen breaking clean

install: $(STAMP)

# The lock first (exact versions, hashes required), then this checkout alone, editable, built by
# the locked hatchling: nothing is resolved against the day's index.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) check
	touch $@

# An older nats-server (requirements/old-server.lock: exact version and hash) in a directory of
# its own, for the tests of what protonats refuses on a server without a feature. Once per venv.
OLD_SERVER := $(VENV)/old-nats-server
OLD_SERVER_LOCK := requirements/old-server.lock
old-server: $(OLD_SERVER)/.installed
$(OLD_SERVER)/.installed: $(OLD_SERVER_LOCK) | $(STAMP)
	rm -rf $(OLD_SERVER)
	$(PIP) install --quiet --require-hashes --no-deps --target $(OLD_SERVER) -r $(OLD_SERVER_LOCK)
	touch $@

# Resolve the lock from pyproject.toml's ranges (uv, pinned in the lock itself), keeping every
# existing pin: after adding a dependency, `make lock` adds it and what it needs. `make lock
# UPGRADE=1` moves every pin to the newest release: a deliberate commit, never an accident of the
# day's index. Linux x86_64, CPython 3.11: the project's machines.
LOCK_FLAGS := --extra dev --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --no-header $(if $(UPGRADE),--upgrade)
lock: install
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o $(LOCK)

# The suite against the newest releases in a venv of its own, and which packages differ from
# the lock: a drift report, not part of CI.
LATEST := .venv-latest
test-latest: install generate
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade -e '.[dev]'
	$(LATEST)/bin/python -m pip freeze --exclude-editable | $(PY) requirements/drift.py $(LOCK)
	$(LATEST)/bin/mypy src codegen tests && $(LATEST)/bin/pytest -q

# npm packages of ts/package-lock.json (npm ci: exact versions and integrity hashes).
npm-install: $(NPM_STAMP)
$(NPM_STAMP): $(TS)/package.json $(TS)/package-lock.json $(TS)/runtime/package.json
	cd $(TS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# @protonats/runtime compiled: JavaScript and .d.ts in ts/runtime/dist.
ts-runtime: $(RUNTIME_JS)
$(RUNTIME_JS): $(NPM_STAMP) $(TS)/runtime/tsconfig.json $(wildcard $(TS)/runtime/src/*.ts)
	$(TSC) -p $(TS)/runtime/tsconfig.json
	touch $@

# Typed Event constants + _pb2 modules + pyproject.toml: $(GEN) is a complete distribution;
# with Node.js, $(GEN_TS) the npm package's sources (protoc-gen-es and src/events.ts).
ifeq ($(NODE_FOUND),yes)
generate: install $(NPM_STAMP)
	$(REVISION) $(BUF) generate
else
generate: install
	@echo "make generate: $(NO_NODE)" >&2
	$(REVISION) $(BUF) generate --template "$$($(PY) -m protonats_codegen.template python-only buf.gen.yaml)"
endif

# The same without buf, straight through grpcio-tools' protoc (one generator per build: the
# _pb2 modules of buf and protoc differ and cannot be imported together).
generate-protoc: install
	rm -rf $(GEN) && mkdir -p $(GEN)
	$(REVISION) $(PY) -m grpc_tools.protoc -I proto \
		--python_out=$(GEN) \
		--plugin=protoc-gen-mypy=$(BIN)/protoc-gen-mypy --mypy_out=quiet:$(GEN) \
		--plugin=protoc-gen-protonats=$(BIN)/protoc-gen-protonats \
		--protonats_out=$(REGISTRY_OPT):$(GEN) \
		$$(find proto -name '*.proto' -not -path 'proto/protonats/*' | sort)

# The runtime's own copy of the option's gencode (a test fails when it is stale).
RUNTIME_PROTO_OUT := src
runtime-proto: install
	$(PY) -m grpc_tools.protoc -I proto --python_out=$(RUNTIME_PROTO_OUT) \
		--plugin=protoc-gen-mypy=$(BIN)/protoc-gen-mypy --mypy_out=quiet:$(RUNTIME_PROTO_OUT) \
		protonats/v1/options.proto

# Every wheel a service installs: the protonats runtime and the generated registry; with
# Node.js, their npm packages too (npm pack tarballs: @protonats/runtime and the registry's).
dist: generate
	rm -f dist/*.whl dist/*.tgz
	$(PY) -m build --wheel --no-isolation --outdir dist .
	$(PY) -m build --wheel --no-isolation --outdir dist $(GEN)
ifeq ($(NODE_FOUND),yes)
	$(MAKE) --no-print-directory ts-runtime
	rm -rf $(NPM_BUILD) && mkdir -p $(NPM_BUILD) && cp -R $(GEN_TS) $(NPM_BUILD)/registry
	ln -s ../../../$(TS)/node_modules $(NPM_BUILD)/registry/node_modules
	$(TSC) -p $(NPM_BUILD)/registry/tsconfig.json
	npm pack --silent --pack-destination dist ./$(TS)/runtime ./$(NPM_BUILD)/registry >/dev/null
else
	@echo "make dist: $(NO_NODE)" >&2
endif

# Upload them to a package index: make publish INDEX=https://host/legacy/ (credentials from
# TWINE_USERNAME/TWINE_PASSWORD or ~/.pypirc), and/or the npm packages to an npm registry:
# NPM_REGISTRY=https://host/ (credentials from ~/.npmrc or $$NPM_CONFIG_USERCONFIG). Refused
# from a dirty tree or a shallow clone.
publish: dist
	@test -n "$(INDEX)$(NPM_REGISTRY)" || { echo "make publish: set INDEX=<the index's upload URL> and/or NPM_REGISTRY=<the npm registry's URL>" >&2; exit 2; }
	$(PY) -m protonats_codegen.release check-publish $(if $(INDEX),dist/*.whl) $(if $(NPM_REGISTRY),dist/*.tgz)
	$(if $(INDEX),$(PY) -m twine upload --non-interactive --disable-progress-bar --repository-url '$(INDEX)' dist/*.whl)
	$(if $(NPM_REGISTRY),for package in ./dist/*.tgz; do npm publish --registry '$(NPM_REGISTRY)' "$$package" || exit 1; done)

lint-proto: install
	$(BUF) lint
	$(BUF) format -d --exit-code

lint: install
	$(BIN)/ruff check src codegen tests bench requirements
	$(BIN)/ruff format --check src codegen tests bench requirements

typecheck: install
	$(BIN)/mypy src codegen tests

check: lint lint-proto typecheck

test: install generate check old-server
	$(BIN)/pytest -q
	$(MAKE) test-browser

# Debian's chromium and chromium-driver, for the catalog site's browser tests: installed with
# apt-get where missing (CI runs as root), and a font for the screenshots. Selenium (the dev
# lock) drives them.
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
		apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			chromium chromium-driver fonts-dejavu-core; }

# The catalog site (`protonats catalog`) in headless Chromium: one browser for every test;
# screenshots of the index and an event page land in tests/artifacts/.
test-browser: install generate browser
	$(BIN)/pytest -q --browser tests/browser

# The whole pipeline: buf generate the example registry -> build its wheel -> install it here
# -> register, emit and consume every event on an embedded nats-server.
demo: dist
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-index \
		--force-reinstall dist/$(REGISTRY)-*.whl
	$(PY) -m protonats.cli._demo --registry $(REGISTRY):EVENTS

# The targets of issue #23, each with its figure and met / missed: emit, emit_many, fast-ingest
# and consume against nats-py (bench/emit.py), then actors (bench/actors.py, as bench-actors).
bench: install
	$(PY) bench/emit.py
	$(PY) bench/actors.py

# register of 1000 events, fresh and unchanged, with the schema ledger, against nats-py alone.
bench-register: install
	$(PY) bench/register.py

# protonats next to walnats, FastStream and raw nats-py (bench/peers.py), in a venv of their
# own with the pinned versions of requirements/peers.txt: none of them is a dependency of
# protonats, and make install never installs them.
PEERS := .venv-peers
bench-peers: install
	test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/peers.txt
	$(PEERS)/bin/python -m pip install --quiet --disable-pip-version-check -e .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(PEERS)/bin/python bench/peers.py

# Actors against a raw nats-py consumer; memory over 200,000 messages.
bench-actors: install
	$(PY) bench/actors.py

# make generate on registries of 100 and 1000 event protos.
bench-codegen: install
	$(PY) bench/codegen.py

# Breaking changes: buf's wire rules and protonats' event rules (buf-plugin-protonats, category
# PROTONATS_EVENTS in buf.yaml) in one `buf breaking`; the current side's buf.yaml decides which
# rules run. The baseline, said on stderr: AGAINST (any buf input; CI passes '.git#ref=origin/main'),
# else the last commit when proto/ or buf.yaml have uncommitted changes, else the commit before
# it; nothing to compare (and a pass) on a first commit (protonats_codegen.release baseline).
AGAINST ?=
breaking: install
	@against='$(AGAINST)'; \
	if [ -z "$$against" ]; then against=$$($(PY) -m protonats_codegen.release baseline) || exit $$?; \
	else echo "make breaking: comparing with $$against" >&2; fi; \
	if [ -n "$$against" ]; then $(BUF) breaking --against "$$against"; fi

clean:
	rm -rf $(VENV) $(LATEST) $(PEERS) gen dist build .mypy_cache .ruff_cache .pytest_cache $(TS)/node_modules $(TS)/runtime/dist
