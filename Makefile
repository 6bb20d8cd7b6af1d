# Two entry points: `make demo` and `make test`. Both build the virtualenv first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
CLUSTER_TESTS := tests/commerce tests/features tests/ranking tests/gateway tests/integration tests/api
# two workers: the suite mostly waits on sockets, servers and clocks; a file's tests stay on one worker
PYTEST := $(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile
# single-server only: a proxy cutting one server's replies, the benchmark smoke run (redis-benchmark), and the
# bare-machine run (it starts its own embedded servers in a private namespace, whatever the cluster setting), and
# the durability tests (each runs on a private primary and replica of its own, never on the cluster)
NOT_ON_CLUSTER := --deselect tests/integration/test_bare_machine.py \
	--deselect tests/commerce/test_durability.py \
	--deselect tests/commerce/test_buy_fastpath_faults.py::test_lost_replies_are_fetched_again_by_replay_and_never_sell_twice \
	--deselect tests/commerce/test_buy_fastpath_bench.py::test_a_tiny_storm_balances

TS     := clients/ts

.PHONY: demo test check venv browser services migrate bench clean ts ts-test contracts

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "livecore needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[embedded,dev]'
	@touch $(STAMP)

# Debian's chromium for the browser tests (never a browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@fc-list :lang=zh 2>/dev/null | grep -q . && fc-list 2>/dev/null | grep -qi emoji || { \
	  echo "installing CJK and emoji fonts so the pages render in the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-wqy-microhei fonts-noto-color-emoji >/dev/null; }

services: venv
	$(PY) -m livecore services

migrate: venv
	$(PY) -m livecore migrate

demo: venv
	$(PY) -m livecore demo

# static checks: types (mypy) and lint (ruff), configured in pyproject.toml
check: venv
	$(PY) -m mypy
	$(PY) -m ruff check livecore tests bench

# the TypeScript SDK: dependencies from the committed lockfile, types checked against the schema, compiled
ts:
	cd $(TS) && npm ci --no-audit --no-fund --loglevel=error && npm run build

# its unit tests and its integration tests against real gateways (started through $(PY))
ts-test: venv ts
	cd $(TS) && npm test

# regenerate docs/contracts (JSON Schema, AsyncAPI, OpenAPI), the SDK's types and the pages' SDK bundle after a
# protocol or route change
contracts: venv
	$(PY) -m livecore.contracts
	cd $(TS) && node scripts/gen-types.mjs
	cd $(TS) && npm ci --no-audit --no-fund --loglevel=error && npm run bundle

test: venv browser check
	$(PY) -m livecore services
	$(PYTEST)
	$(MAKE) ts-test
	@echo "again on a private Redis Cluster of 3 primaries, through livecore's cluster client"
	LIVECORE_TEST_REDIS_CLUSTER=3 $(PYTEST) $(CLUSTER_TESTS) $(NOT_ON_CLUSTER)

bench: venv
	$(PY) bench/fanout.py --viewers 2000 --rate 500 --seconds 10 --gateways 1 --baseline --json bench/out-fanout.json

# Stops the embedded servers started under .livecore/ (their pidfiles; a pid is signalled only while it is
# still a redis-server or postgres process) before deleting it.
clean:
	@for pidfile in .livecore/redis/redis.pid .livecore/postgres/pgdata/postmaster.pid; do \
	  pid=$$(head -n 1 $$pidfile 2>/dev/null) || continue; \
	  case "$$(ps -o comm= -p "$$pid" 2>/dev/null)" in redis-server*|postgres*) ;; *) continue ;; esac; \
	  echo "stopping the embedded $$(ps -o comm= -p "$$pid") (pid $$pid)"; kill -INT "$$pid"; \
	  for i in $$(seq 100); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done; \
	done
	rm -rf $(VENV) .livecore $(TS)/node_modules $(TS)/dist
