# Two commands do everything: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
BENCH_MEMBERS ?= 200000

.PHONY: demo test install serve bench messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	QUANTRIET_DEMO=1 PORT=$(PORT) $(BIN)/quantriet demo --port $(PORT)

test: $(STAMP)
	bash scripts/run-tests.sh

serve: $(STAMP)
	$(BIN)/quantriet serve

bench: $(STAMP)
	BENCH_MEMBERS=$(BENCH_MEMBERS) bash scripts/run-bench.sh

messages: $(STAMP)
	cd quantriet && ../$(BIN)/quantriet makemessages -l vi -l en --no-obsolete && ../$(BIN)/quantriet compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info
