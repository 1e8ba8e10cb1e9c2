# evbus: the two commands a newcomer needs are `make demo` and `make test`.
# Every target runs the set-up script first (a no-op when nothing is missing).

JOBS       ?= $(shell nproc)
BUILD      ?= build
BUILD_REL  ?= build-release
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
# Under TSan only the stress tests run: build just them, the helper processes
# and the executables they start.
TSAN_TARGETS = $(sort $(basename $(notdir $(wildcard tests/*/*stress*_test.cc tests/*/*/*stress*_test.cc tests/procs/*_proc.cc))) \
                $(patsubst %_main,%,$(basename $(notdir $(wildcard tools/*_main.cc)))))
CMAKE_FLAGS ?=
CTEST_FLAGS ?=

.PHONY: setup build release-config release test test-asan test-tsan model-check bench demo format format-check clean

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

model-check: setup
	@bash tools/model_check.sh

bench: release
	@for b in $(BUILD_REL)/*_bench; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

demo: release-config
	@cmake --build $(BUILD_REL) -j $(JOBS) --target evbus evbus_persister
	@$(BUILD_REL)/evbus demo

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check: setup
	@git ls-files '*.h' '*.cc' | xargs -r clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(BUILD_REL) $(BUILD_ASAN) $(BUILD_TSAN)
