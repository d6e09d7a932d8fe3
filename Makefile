# The README's commands: `make demo` and `make test`. Both install what is missing, build once, and run; `make test`
# ends with the scenario suite's figures (recall, precision, category, evidence).
PRESET ?= ci
BUILD_DIR := build/$(PRESET)
# ccache hits across checkouts in different directories.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build test test-asan demo bench golden soak fuzz package mcpb clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset $(PRESET) --log-level=WARNING >/dev/null
	@cmake --build --preset $(PRESET)

test: PRESET := ci
test: build
	@rm -rf $(BUILD_DIR)/scenario-scores
	@ctest --preset $(PRESET) -j2
	@node tests/tools/analyzers/scores.mjs $(BUILD_DIR)

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

demo: build
	@node scripts/demo.mjs $(BUILD_DIR)/app/eks-sre-mcp $(BUILD_DIR)/tests/kubesim/kubesim

bench: build
	@bench/run.sh $(BUILD_DIR)/app/eks-sre-mcp $(BUILD_DIR)/bench/stdio_bench

# The monitor's soak at full length (make test runs 80 cycles): 1,000 cycles with faults, memory and descriptors.
soak: build
	@SOAK_CYCLES=$${SOAK_CYCLES:-1000} EKS_SRE_MCP=$(BUILD_DIR)/app/eks-sre-mcp KUBESIM=$(BUILD_DIR)/tests/kubesim/kubesim \
	  node --test tests/e2e/monitor_soak.test.mjs

# Coverage-guided fuzzing (clang + libFuzzer, its own build in build/fuzz): every target for FUZZ_SECONDS (60) each.
FUZZ_SECONDS ?= 60
fuzz: deps
	@scripts/install-deps --fuzz
	@cmake --preset fuzz --log-level=WARNING >/dev/null
	@cmake --build --preset fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

# The Debian package and the MCPB bundle, from the release build (build/release).
package:
	@$(MAKE) --no-print-directory build PRESET=release
	@cd build/release && cpack -G DEB

mcpb:
	@$(MAKE) --no-print-directory build PRESET=release
	@deploy/packaging/mcpb/pack.sh build/release/app/eks-sre-mcp build/release/eks-sre-mcp-0.1.0.mcpb

# Regenerates tests/golden/ from the current build.
golden: build
	@UPDATE_GOLDEN=1 ctest --preset $(PRESET) -R golden

clean:
	@rm -rf build
