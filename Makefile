# Gauntlet — build, tests and benchmarks.
#   make            build build/gauntlet and the defective test allocators
#   make run        the main job: a generated program against every installed allocator
#   make check      unit tests, the oracle's proofs, the corpus against every allocator
#   make bench      the oracle's cost (checked vs raw calls)
#   make bench-parts   where that cost goes on small blocks (pattern, overlap map)
#   make bench-stress  the stress checks' and RSS sampler's cost
#   make stress-baselines  refresh stress/baselines/<allocator>.json on this machine
#   make stress-pictures   every allocator on every workload: the README's table and pictures
# Every target first installs missing packages (ci/install-deps.sh).

CC       ?= cc
CFLAGS   ?= -O2 -g
# The project's own flags stay even when CFLAGS is given on the command line.
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -Iharness -Istress $(CFLAGS)
LDLIBS   += -ldl -pthread -ljansson -lm
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)

BUILD    := build
HARNESS_SRC := $(filter-out harness/main.c,$(wildcard harness/*.c))
STRESS_SRC  := $(wildcard stress/*.c)
HARNESS_OBJ := $(HARNESS_SRC:harness/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/reproducer_template.o \
               $(STRESS_SRC:stress/%.c=$(BUILD)/obj/stress/%.o)
UNIT_SRC := $(wildcard tests/unit/*.c)
DEFECTS  := $(shell awk '!/^#/ && NF {print $$1}' tests/defective/defects.list 2>/dev/null) none
DEFECT_LIBS := $(DEFECTS:%=$(BUILD)/defective/libdefect_%.so)
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all run check bench bench-parts bench-fuzz bench-stress stress-baselines stress-pictures format clean \
        deps fuzz-build
all: $(BUILD)/gauntlet $(DEFECT_LIBS)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): ci/install-deps.sh
	@bash ci/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/obj/%.o: harness/%.c harness/*.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/stress/%.o: stress/%.c stress/*.h harness/*.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The reproducer's fixed code is real C in harness/reproducer_*.c.in; the
# build turns each file into an array of lines (backslashes and quotes escaped).
$(BUILD)/obj/reproducer_template.c: harness/reproducer_head.c.in harness/reproducer_body.c.in
	@mkdir -p $(dir $@)
	@{ echo '/* Generated from harness/reproducer_*.c.in by the Makefile: do not edit. */'; \
	  echo '#include <stddef.h>'; \
	  for part in head body; do \
	    echo "const char *const reproducer_template_$$part[] = {"; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/",/' harness/reproducer_$$part.c.in; \
	    echo '};'; \
	    echo "const size_t reproducer_template_$${part}_lines = $$(wc -l < harness/reproducer_$$part.c.in);"; \
	  done; } > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/reproducer_template.o: $(BUILD)/obj/reproducer_template.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/gauntlet: $(BUILD)/obj/main.o $(HARNESS_OBJ)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/defective/libdefect_%.so: tests/defective/defective.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -shared -fno-builtin -DDEFECT_$(shell echo $* | tr a-z A-Z) $< -o $@ -ldl -pthread

$(BUILD)/unit_tests: $(UNIT_SRC) $(HARNESS_OBJ) | $(DEPS_STAMP)
	$(CC) $(ALL_CFLAGS) $(UNIT_SRC) $(HARNESS_OBJ) -o $@ $(LDLIBS) $(CHECK_LIBS)

# The main job (README's first command).
run: all
	@$(BUILD)/gauntlet list
	$(BUILD)/gauntlet gen --seed 1 --ops 5000 --threads 4 -o $(BUILD)/main-job.bin
	$(BUILD)/gauntlet run --alloc all $(BUILD)/main-job.bin
	$(BUILD)/gauntlet stress --alloc all --workload server --repeat 3 \
	    --json $(BUILD)/main-job-stress.json --plot $(BUILD)/main-job-plots

# Every engine and configuration of the fuzz target (fuzzers/build.sh).
fuzz-build: all
	bash fuzzers/build.sh

check: all fuzz-build $(BUILD)/unit_tests
	GAUNTLET=$(BUILD)/gauntlet DEFECTIVE_DIR=$(BUILD)/defective $(BUILD)/unit_tests

bench: all
	$(BUILD)/gauntlet bench --alloc all

# The oracle's parts, each left out of a build of its own (build/ablation/).
bench-parts: all
	bash ci/bench-oracle-parts.sh 11

# The stress drivers' own cost: checks on vs off, sampler on vs off.
bench-stress: all
	$(BUILD)/gauntlet stress-bench --alloc all --repeat 5 --scale 2

# Per-allocator baselines, measured on this machine (commit the result).
STRESS_BASELINE_ALLOCS ?= glibc jemalloc mimalloc tcmalloc
stress-baselines: all
	@mkdir -p stress/baselines
	for a in $(STRESS_BASELINE_ALLOCS); do \
	  $(BUILD)/gauntlet stress --alloc $$a --workload all --repeat 5 --no-series \
	    --json stress/baselines/$$a.json || exit $$?; \
	done

# Every allocator on every workload (the README's table) and its pictures;
# the ones the README shows are copied to stress/pictures/ (commit them).
STRESS_PICTURES := phases-server rss-server phases-spike peak-rss fragmentation
stress-pictures: all
	$(BUILD)/gauntlet stress --alloc all --workload all --repeat 3 \
	    --json $(BUILD)/stress-all.json --plot $(BUILD)/stress-all-plots
	@mkdir -p stress/pictures
	for p in $(STRESS_PICTURES); do cp $(BUILD)/stress-all-plots/$$p.png stress/pictures/ || exit $$?; done

# Fuzz targets' exec/s and the time to find each defective allocator.
bench-fuzz: all
	bash ci/bench-fuzz.sh

format:
	clang-format -i harness/*.c harness/*.h stress/*.c stress/*.h tests/unit/*.c tests/unit/*.h tests/defective/*.c

clean:
	rm -rf $(BUILD)
