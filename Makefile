# evbus: the two commands a newcomer needs are `make demo` and `make test`.
# Every target runs the set-up script first (a no-op when nothing is missing).

JOBS       ?= $(shell nproc)
BUILD      ?= build
BUILD_REL  ?= build-release
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
BUILD_FUZZ ?= build-fuzz
BUILD_TORTURE ?= build-torture
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = $(sort $(basename $(notdir $(wildcard fuzz/*_fuzz.cc))))
# Under TSan only the stress tests run: build just them, the helper processes
# and the executables they start.
TSAN_TARGETS = $(sort $(basename $(notdir $(wildcard tests/*/*stress*_test.cc tests/*/*/*stress*_test.cc tests/procs/*_proc.cc))) \
                $(patsubst %_main,%,$(basename $(notdir $(wildcard tools/*_main.cc)))))
CMAKE_FLAGS ?=
CTEST_FLAGS ?=

.PHONY: setup build release-config release test test-asan test-tsan model-check fuzz-build fuzz-smoke \
        torture-build torture torture-quick soak test-bridge-soak test-big-events-soak bench bench-python demo format format-check clean

setup:
	@bash tools/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVBUS_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

release-config: setup
	@cmake -S . -B $(BUILD_REL) -DCMAKE_BUILD_TYPE=Release -DEVBUS_BUILD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null

release: release-config
	@cmake --build $(BUILD_REL) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

test-asan: setup
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DEVBUS_SANITIZE=address -DEVBUS_BUILD_BENCH=OFF -DEVBUS_WERROR=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	@cd $(BUILD_ASAN) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

test-tsan: setup
	@cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVBUS_SANITIZE=thread -DEVBUS_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(BUILD_TSAN) -j $(JOBS) --target $(TSAN_TARGETS)
	@cd $(BUILD_TSAN) && ctest --output-on-failure -L stress $(CTEST_FLAGS)

# The bridge fault tests with many rounds (docs/multi-host.md); `make test`
# runs 3 of each. BRIDGE_ROUNDS=200 by default.
BRIDGE_ROUNDS ?= 200
test-bridge-soak: build
	@EVBUS_BRIDGE_ROUNDS=$(BRIDGE_ROUNDS) $(BUILD)/bridge_cluster_test --gtest_filter='*KillNine*:*Node*'

# Big events with many kill -9 rounds (docs/shm_layout.md, section 13);
# `make test` runs 12. BIG_ROUNDS=300 by default.
BIG_ROUNDS ?= 300
test-big-events-soak: build
	@EVBUS_BIG_KILL_ROUNDS=$(BIG_ROUNDS) $(BUILD)/big_event_kill_test

model-check: setup
	@bash tools/model_check.sh

# Runs every libFuzzer target (fuzz/*_fuzz.cc) for FUZZ_SECONDS from its seed
# corpus in fuzz/corpus/<target>/ (read only; new inputs go to
# $(BUILD_FUZZ)/corpus/<target>/); fails on any crash (docs/fuzzing.md).
fuzz-build: setup
	@CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -DEVBUS_FUZZ=ON -DEVBUS_BUILD_TESTS=OFF -DEVBUS_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS) --target $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	@for t in $(FUZZ_TARGETS); do echo "== $$t ($(FUZZ_SECONDS)s)"; \
	  work=$(BUILD_FUZZ)/corpus/$$t; rm -rf $$work && mkdir -p $$work; \
	  seeds=; [ -d fuzz/corpus/$$t ] && seeds=fuzz/corpus/$$t; \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(CURDIR)/fuzz/ubsan.supp \
	    $(BUILD_FUZZ)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(BUILD_FUZZ)/$$t- $$work $$seeds || exit 1; done

# The reliability and security gauntlet (tests/fault/, docs/reliability.md):
# one table, non-zero exit if any scenario misses its target. `make torture`
# runs about 5 minutes, `make torture-quick` 1-2 minutes (CI), `make soak`
# the overload scenario for 10 minutes. ARGS go to evbus_torture (e.g.
# ARGS="--only 1,2" or ARGS="--seed 7").
TORTURE_TARGETS = evbus_torture evbus_persister torture_producer_proc torture_subscriber_proc \
                  torture_secret_proc torture_refill_proc
torture-build: setup
	@cmake -S . -B $(BUILD_TORTURE) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVBUS_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_TORTURE) -j $(JOBS) --target $(TORTURE_TARGETS)

torture: torture-build fuzz-build
	@$(BUILD_TORTURE)/evbus_torture --fuzz-dir $(BUILD_FUZZ) $(ARGS)

torture-quick: torture-build fuzz-build
	@$(BUILD_TORTURE)/evbus_torture --quick --fuzz-dir $(BUILD_FUZZ) $(ARGS)

soak: torture-build
	@$(BUILD_TORTURE)/evbus_torture --soak --only 8 $(ARGS)

# The Google Benchmark programs, then `evbus bench ipc` (ARGS go to it, e.g.
# ARGS="--cpus 2,3") and its latency CDF plot, docs/ipc_latency_cdf.svg.
bench: release
	@for b in $(BUILD_REL)/*_bench; do echo "== $$b"; $$b --benchmark_min_time=0.2; done
	@echo "== evbus bench ipc (the latency CDF goes to docs/ipc_latency_cdf.svg)"
	@$(BUILD_REL)/evbus bench ipc --cdf $(BUILD_REL)/ipc-cdf $(ARGS)
	@gnuplot -e "dir='$(BUILD_REL)/ipc-cdf'; out='docs/ipc_latency_cdf.svg'" bench/ipc_cdf.gp

# evbus from Python beside OpenHands' own EventStream, in one run, under a
# minute (bench/python/, docs/benchmarks.md): add_event rates and
# add_event -> callback latency into another Python process.
bench-python: release-config
	@cmake --build $(BUILD_REL) -j $(JOBS) --target _evbus evbus_persister
	@python3 bench/python/openhands_bench.py --build $(BUILD_REL) $(ARGS)

demo: release-config
	@cmake --build $(BUILD_REL) -j $(JOBS) --target evbus evbus_persister
	@$(BUILD_REL)/evbus demo

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check: setup
	@git ls-files '*.h' '*.cc' | xargs -r clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(BUILD_REL) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_FUZZ) $(BUILD_TORTURE)
