# kestrel — a thin wrapper over meson. `make demo` and `make test` install what they need.
PY      ?= python3
BUILD   ?= build
ASAN    ?= build-asan
PYBUILD ?= build-py
APT_PKGS = libopenblas-dev zlib1g-dev libisal-dev libsleef-dev pkg-config gcc
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps deps-test build cli-on-path demo test test-c test-sanitize test-python test-hostile install bench bench-nd array-api check-all clean fuzz

all: build

# What the build needs, only when missing: system packages (apt-get), meson and ninja (pip).
deps:
	@dpkg -s $(APT_PKGS) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS); }
	@$(PY) -c "import mesonbuild, ninja" 2>/dev/null || $(PY) -m pip install -q -r requirements-build.txt

# What the Python package and its tests need besides (pip), only when missing.
deps-test: deps
	@$(PY) -c "import numpy, pandas, pytest, mesonpy, sklearn, statsmodels, matplotlib, diff_diff" 2>/dev/null || \
	  $(PY) -m pip install -q -r requirements-test.txt

$(BUILD)/build.ninja:
	$(PY) -m mesonbuild.mesonmain setup $(BUILD) --buildtype=release

build: deps $(BUILD)/build.ninja
	$(PY) -m mesonbuild.mesonmain compile -C $(BUILD)

# In a virtualenv, `kestrel` goes on its PATH: a two-line script in its bin/ that runs
# build/kestrel (a script, not a link, so a later `pip install .` replaces it cleanly).
# Elsewhere the command is ./build/kestrel until `make install`.
cli-on-path: build
	@bin=$$($(PY) -c 'import os, sys; print(os.path.join(sys.prefix, "bin") if sys.prefix != sys.base_prefix else "")'); \
	if [ -n "$$bin" ]; then \
	  printf '#!/bin/sh\nexec "%s" "$$@"\n' "$(CURDIR)/$(BUILD)/kestrel" > "$$bin/kestrel" && chmod +x "$$bin/kestrel" && \
	  echo "kestrel: on this virtualenv's PATH ($$bin/kestrel runs $(BUILD)/kestrel)"; \
	else echo "kestrel: run it as ./$(BUILD)/kestrel (make install puts it on PATH)"; fi

demo: build cli-on-path
	./$(BUILD)/kestrel demo

test: test-c test-sanitize test-python test-hostile

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
test-python: deps-test build cli-on-path
	$(PY) -m pip install -q --no-build-isolation --no-deps -Cbuild-dir=$(PYBUILD) -e .
	$(PY) -m pytest -q tests/python

# The hostile-input cases (pytest -m hostile) again, with the sanitizer build's kestrel command:
# a memory error, undefined behaviour or a leak fails the case (sanitizer exit codes 86/87/88
# are never kestrel's own 0/1/2).
test-hostile: test-sanitize test-python
	KS_KESTREL_BIN=$(ASAN)/kestrel ASAN_OPTIONS=detect_leaks=1:exitcode=86 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 LSAN_OPTIONS=exitcode=88 \
	  $(PY) -m pytest -q -m hostile tests/python

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

install: deps-test build
	$(PY) -m pip install --no-build-isolation .
	$(PY) -m mesonbuild.mesonmain install -C $(BUILD)
	-ldconfig

bench: deps-test build
	@$(PY) -c "import pyfixest, statsmodels, diff_diff" 2>/dev/null || $(PY) -m pip install -q pyfixest statsmodels diff-diff
	$(PY) -m pip install -q --no-build-isolation --no-deps -Cbuild-dir=$(PYBUILD) -e .
	$(PY) bench/bench_feols.py
	$(PY) bench/bench_did.py
	@command -v Rscript >/dev/null && Rscript -e 'library(earth)' >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq r-base-core r-cran-earth; }
	$(PY) bench/bench_mars.py
	$(PY) bench/bench_gsem.py --reps 3
	@Rscript -e 'library(lavaan)' >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq r-cran-lavaan; }
	$(PY) bench/bench_sem.py
	$(PY) bench/bench_gsem_sem.py
	$(MAKE) --no-print-directory bench-nd PY=$(PY)

# kestrel.nd against NumPy in the same process (bench/bench_nd.py, 1 and default threads; it says
# so and exits 0 while kestrel.nd does not exist), then the array core from C (bench/bench_nd_c.c,
# 1 and the default threads; skipped, with the linker's first complaint, while the library lacks
# its functions). BENCH_ND_ARGS: more arguments, e.g. --markdown bench/out/nd.md.
bench-nd: deps-test build
	$(PY) -m pip install -q --no-build-isolation --no-deps -Cbuild-dir=$(PYBUILD) -e .
	$(PY) bench/bench_nd.py $(BENCH_ND_ARGS)
	@if $(PY) -m mesonbuild.mesonmain compile -C $(BUILD) bench_nd_c > $(BUILD)/bench_nd_c.log 2>&1; then \
	  ./$(BUILD)/bench/bench_nd_c 1 && ./$(BUILD)/bench/bench_nd_c 0; \
	else echo "bench_nd_c: not built: $$(grep -m1 -o 'undefined reference to .*' $(BUILD)/bench_nd_c.log || tail -1 $(BUILD)/bench_nd_c.log)"; fi

# The Array API standard's test suite over kestrel.nd (tests/array_api/run.sh: the suite is not on
# PyPI; ARRAY_API_TESTS_DIR names a checkout, ARRAY_API_TESTS_MODULE=numpy checks the harness).
array-api: deps-test build
	$(PY) -m pip install -q --no-build-isolation --no-deps -Cbuild-dir=$(PYBUILD) -e .
	PY=$(PY) bash tests/array_api/run.sh

check-all: test bench

clean:
	rm -rf $(BUILD) $(ASAN) $(PYBUILD) $(FUZZ)
