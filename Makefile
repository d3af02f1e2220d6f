# kestrel — a thin wrapper over meson. `make demo` and `make test` install what they need.
PY      ?= python3
BUILD   ?= build
ASAN    ?= build-asan
PYBUILD ?= build-py
APT_PKGS = libopenblas-dev zlib1g-dev libisal-dev pkg-config gcc
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build demo test test-c test-sanitize test-python install bench check-all clean fuzz

all: build

# System packages (apt-get) and Python packages (pip), only when missing.
deps:
	@dpkg -s $(APT_PKGS) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS); }
	@$(PY) -c "import numpy, pandas, pytest, mesonpy, ninja, mesonbuild, sklearn, statsmodels, matplotlib" 2>/dev/null || \
	  $(PY) -m pip install -q -r requirements-test.txt

$(BUILD)/build.ninja:
	$(PY) -m mesonbuild.mesonmain setup $(BUILD) --buildtype=release

build: deps $(BUILD)/build.ninja
	$(PY) -m mesonbuild.mesonmain compile -C $(BUILD)

demo: build
	./$(BUILD)/kestrel demo

test: test-c test-sanitize test-python

test-c: build
	$(PY) -m mesonbuild.mesonmain test -C $(BUILD) --print-errorlogs

# The C tests again under AddressSanitizer + UndefinedBehaviorSanitizer (leaks included), with
# float-cast-overflow (a double out of an integer's range), which -fsanitize=undefined leaves
# out. A build dir configured without these flags (an older one) is reconfigured: the stamp
# holds the flags it has.
ASAN_FLAGS = -fsanitize=float-cast-overflow
ASAN_STAMP = $(ASAN)/.kestrel-sanitize-flags
test-sanitize: deps
	@[ -f $(ASAN)/build.ninja ] || $(PY) -m mesonbuild.mesonmain setup $(ASAN) --buildtype=debug \
	  -Db_sanitize=address,undefined -Db_lundef=false
	@[ "$$(cat $(ASAN_STAMP) 2>/dev/null)" = "$(ASAN_FLAGS)" ] || { \
	  $(PY) -m mesonbuild.mesonmain configure $(ASAN) -Dc_args="$(ASAN_FLAGS)" \
	    -Dc_link_args="$(ASAN_FLAGS)" && echo "$(ASAN_FLAGS)" > $(ASAN_STAMP); }
	$(PY) -m mesonbuild.mesonmain compile -C $(ASAN)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	  $(PY) -m mesonbuild.mesonmain test -C $(ASAN) --print-errorlogs

# The Python package, installed editable (rebuilt on import when sources change), then pytest.
test-python: build
	$(PY) -m pip install -q --no-build-isolation --no-deps -Cbuild-dir=$(PYBUILD) -e .
	$(PY) -m pytest -q tests/python

# libFuzzer on each reader's harness (tests/fuzz/README.md) for FUZZ_SECONDS each, built with
# clang (installed when missing) under ASan + UBSan. New inputs go to $(FUZZ)/corpus-<harness>
# (the seeds of tests/fuzz/corpus read too), crashes to $(FUZZ)/crashes-<harness>/, the run's
# log and final stats to $(FUZZ)/fuzz-<harness>.log.
FUZZ         ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_PKGS     = clang libclang-rt-14-dev
FUZZ_HARNESSES = csv formula mars_json gwas ldscore
fuzz: deps
	@dpkg -s $(FUZZ_PKGS) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(FUZZ_PKGS); }
	@[ -f $(FUZZ)/build.ninja ] || CC=clang $(PY) -m mesonbuild.mesonmain setup $(FUZZ) \
	  --buildtype=debugoptimized -Dfuzz=true -Dpython=false -Db_sanitize=address,undefined \
	  -Db_lundef=false -Dc_args="-fsanitize=fuzzer-no-link $(ASAN_FLAGS)" -Dc_link_args="$(ASAN_FLAGS)"
	$(PY) -m mesonbuild.mesonmain compile -C $(FUZZ)
	@fail=0; for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(FUZZ)/corpus-$$h $(FUZZ)/crashes-$$h; \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	    $(FUZZ)/tests/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ)/crashes-$$h/ $(FUZZ)/corpus-$$h tests/fuzz/corpus/$$h \
	    > $(FUZZ)/fuzz-$$h.log 2>&1 || fail=1; \
	  printf 'fuzz_%-10s %s, %s crash file(s)\n' $$h \
	    "$$(grep -m1 '^Done [0-9]* runs' $(FUZZ)/fuzz-$$h.log || tail -1 $(FUZZ)/fuzz-$$h.log)" \
	    "$$(ls $(FUZZ)/crashes-$$h | wc -l)"; \
	done; exit $$fail

install: build
	$(PY) -m pip install --no-build-isolation .
	$(PY) -m mesonbuild.mesonmain install -C $(BUILD)
	-ldconfig

bench: build
	@$(PY) -c "import pyfixest, statsmodels, diff_diff" 2>/dev/null || $(PY) -m pip install -q pyfixest statsmodels diff-diff
	$(PY) -m pip install -q --no-build-isolation --no-deps -Cbuild-dir=$(PYBUILD) -e .
	$(PY) bench/bench_feols.py
	$(PY) bench/bench_did.py
	@command -v Rscript >/dev/null && Rscript -e 'library(earth)' >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq r-base-core r-cran-earth; }
	$(PY) bench/bench_mars.py
	$(PY) bench/bench_gsem.py --reps 3

check-all: test bench

clean:
	rm -rf $(BUILD) $(ASAN) $(PYBUILD) $(FUZZ)
