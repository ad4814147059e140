# Thin wrapper over CMake, as in neovim: `make run` and `make test`.
# Everything real lives in CMakeLists.txt and .ci/.
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
ARGS       ?=

.PHONY: all deps build run check test test-fast sanitize fuzz format clean

all: build

deps:
	@sh .ci/deps test

build:
	@sh .ci/deps run
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/vigie $(ARGS)

# The intent files against the engine of this checkout: builds first, so that
# a binary older than the intents (they may use what it cannot read) never
# judges them.
check: build
	./$(BUILD)/vigie check intents

# The whole suite: gcc build + every ctest, then the ASan+UBSan build, then a
# short libFuzzer run per target.
test:
	@sh .ci/test

format:
	clang-format -i --style=file:.ci/clang-format src/*.[ch] tests/*/*.[ch]

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
