# SPDX-License-Identifier: MIT
# Makefile: a thin wrapper so `make`, `make test`, `make deps` and `make bench` work from the root.
BUILD   ?= build
SANITIZE ?=
TYPE    ?= $(if $(SANITIZE),RelWithDebInfo,Release)
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE   ?= cmake
CC      ?= cc
export CC

.PHONY: all build deps test test-asan test-tsan test-clang fuzz bench bench-map compare clean help

all: build

help:
	@echo "make deps       install what is missing from Debian's packages (as root), or print the apt-get line"
	@echo "make            build into $(BUILD)/ (simul is $(BUILD)/simul)"
	@echo "make test       deps, build, and every test (ctest)"
	@echo "make test-asan  the tests under ASan+UBSan;  make test-tsan: under TSan"
	@echo "make fuzz       the libFuzzer targets (clang, build-fuzz/) and the sweep fuzzer, FUZZ_S=60 seconds each"
	@echo "make bench      deps, build, the sweeps, charts and REPORT.md into results/<UTC time>/"
	@echo "                (QUICK=1: a short run; SWEEPS=\"c1_sleep c5_sumsq\": only those; OUT=dir: write there;"
	@echo "                PEERS=all|none|python,go,node,tokio: the documents' programs beside simul's, all but with QUICK=1)"
	@echo "                (it waits up to 60 s for a busy machine to settle; SETTLE=0: not at all)"
	@echo "make bench-map  the whole decision map of C9 (its sweep's full grid, in C and in CPython, 20 to 30 min) into"
	@echo "                results/<UTC time>/ (OUT=dir: there); make bench runs a reduced map"
	@echo "make compare    BASE=dir NEW=dir (default results/reference, results/latest): per shared point the"
	@echo "                new/base time ratio, interval and verdict, into NEW/COMPARE.md and NEW/compare.csv"
	@echo "                (FLOOR=0.1: the noise floor, default 0.25 for a CPU whose speed changes)"
	@echo "                and each ratio over its primitive's in the runs' fingerprints: 'machine' if only that moved"

deps:
	@bash bench/setup/deps.sh

build:
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE) -DSIMUL_SANITIZE=$(SANITIZE) >/dev/null
	@$(CMAKE) --build $(BUILD) -j $(JOBS)

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The sanitizer builds run the same tests; timing ratios are not asserted there (see tests/lib.sh).
test-asan: deps
	@$(MAKE) --no-print-directory test BUILD=build-asan SANITIZE=address
test-tsan: deps
	@$(MAKE) --no-print-directory test BUILD=build-tsan SANITIZE=thread
test-clang: deps
	@$(MAKE) --no-print-directory test BUILD=build-clang CC=clang

# libFuzzer needs clang, and every layer built with its coverage: a build of its own, without
# the tests (tests/fuzz/run.sh says what each target did, and fails on a crash).
FUZZ_S ?= 60
fuzz: deps
	@CC=clang $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIMUL_FUZZ=ON >/dev/null
	@$(CMAKE) --build build-fuzz -j $(JOBS)
	@bash tests/fuzz/run.sh build-fuzz $(FUZZ_S)

bench: deps build
	@SIMUL=$(abspath $(BUILD))/simul bash bench/harness/bench.sh $(if $(QUICK),--quick) $(if $(SWEEPS),--only "$(SWEEPS)") $(if $(PEERS),--peers "$(PEERS)") $(if $(OUT),--out "$(OUT)")

# The decision map's full grid: the c9_decision sweep's 'full' lines, alone (--only), so the
# other claims read "not selected" in its report and results/latest is left to make bench.
bench-map: deps build
	@SIMUL=$(abspath $(BUILD))/simul bash bench/harness/bench.sh --full --only c9_decision $(if $(OUT),--out "$(OUT)")

BASE ?= results/reference
NEW  ?= results/latest
compare:
	@python3 bench/harness/compare.py $(if $(FLOOR),--floor $(FLOOR)) "$(BASE)" "$(NEW)"

clean:
	rm -rf build build-asan build-tsan build-clang build-fuzz
