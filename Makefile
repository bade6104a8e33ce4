# Gauntlet — build, tests and benchmarks.
#   make              build build/gauntlet and the defective test allocators
#   make run          the main job: a generated program against every installed allocator
#   make check        every test: unit, system (spawning gauntlet), long (campaigns, stress)
#   make check-fast   the unit and system tests but the slowest (under a minute)
#   make install      gauntlet, the fuzz targets and their data under $(PREFIX) ($(DESTDIR) too)
#   make bench        the oracle's cost (checked vs raw calls)
#   make bench-parts  where that cost goes on small blocks (pattern, overlap map)
#   make bench-stress the stress checks' and RSS sampler's cost
#   make bench-record what recording costs a real program; a long trace converted and replayed
#   make bench-fidelity a replayed trace's RSS beside the real program's, per allocator and mark
#   make redis-memory  redis-server's RSS at start-up and after N requests, per allocator
#   make bench-fuzz   the fuzz targets' speed and time to find each defect
#   make bench-realbugs  real allocator bugs put back into Debian's sources: who finds them, how fast
#   make bench-upgrade-aa  how often upgrading an allocator to its own file says SAFE
#   make stress-baselines  refresh stress/baselines/<allocator>.json on this machine
#   make stress-pictures   every allocator on every workload: the README's table and pictures
# Every target first installs missing packages (ci/install-deps.sh).

# One job per processor unless told otherwise (`make -j1` builds in order).
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif
CC       ?= cc
CFLAGS   ?= -O2 -g
# Link-time optimization: the oracle's path crosses files (executor, oracle,
# map, pattern) on every operation; make bench measures what it saves.
LTO      ?= -flto=auto
# The project's own flags stay even when CFLAGS is given on the command line.
BASE_CFLAGS = -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread $(CFLAGS) $(LTO)
LDLIBS   += -ldl -pthread -ljansson -lm
# The OS mapping calls a loaded allocator binds to (harness/map_faults.c.in:
# fail_maps), exported by every binary that runs programs (the list is shared
# with fuzzers/build.sh and .clusterfuzzlite/build.sh).
MAP_FAULT_EXPORTS := -Wl,--dynamic-list=harness/map_faults.dynlist
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)

# Each folder sees its own headers and those it may use, nothing else: a
# wrong include fails to build. harness/include/ is the library's public face.
INC_harness  := -Iharness -Iharness/include
INC_cli      := -Iharness/include -Icli
INC_campaign := -Iharness/include -Icli -Ifuzzers/campaign
INC_stress   := -Iharness/include -Icli -Istress -Itrace # the trace: workload reads traces
INC_trace    := -Iharness/include -Icli -Itrace
INC_unit     := -Iharness -Iharness/include -Itests/support -Icli # cli.h: the bench's raw replay
INC_system   := -Iharness/include -Itests/support -Itrace # trace_codec.h: hand-made traces

BUILD    := build
OBJ      := $(BUILD)/obj
LIB      := $(BUILD)/libgauntlet.a
LIB_SRC  := $(wildcard harness/*.c)
CLI_SRC  := $(wildcard cli/*.c)
CAMPAIGN_SRC := $(wildcard fuzzers/campaign/*.c)
STRESS_SRC := $(wildcard stress/*.c)
TRACE_SRC := $(wildcard trace/*.c)
RECORDER_SRC := $(wildcard trace/recorder/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(OBJ)/%.o) $(OBJ)/harness/embedded.o
CMD_OBJ  := $(CLI_SRC:%.c=$(OBJ)/%.o) $(CAMPAIGN_SRC:%.c=$(OBJ)/%.o) $(STRESS_SRC:%.c=$(OBJ)/%.o) \
            $(TRACE_SRC:%.c=$(OBJ)/%.o)
LIB_HDR  := $(wildcard harness/*.h harness/include/*.h)

SUPPORT_SRC := $(wildcard tests/support/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c) cli/bench_replay.c # in process, no children
SYSTEM_SRC := $(wildcard tests/system/*.c)
LONG_SRC := $(wildcard tests/long/*.c)
DEFECTS  := $(shell awk '!/^#/ && NF {print $$1}' tests/defective/defects.list 2>/dev/null) none \
            self_call
DEFECT_LIBS := $(DEFECTS:%=$(BUILD)/defective/libdefect_%.so)
DEPS_STAMP := $(BUILD)/.deps-ok
RECORDER := $(BUILD)/libgauntlet-record.so

PREFIX   ?= /usr/local
DESTDIR  ?=

.PHONY: all run check check-fast install bench bench-parts bench-fuzz bench-coverage bench-mutants bench-realbugs bench-stress bench-record bench-fidelity redis-memory \
        bench-upgrade-aa stress-baselines stress-pictures format clean deps fuzz-build
all: $(BUILD)/gauntlet $(DEFECT_LIBS) $(RECORDER)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): ci/install-deps.sh
	@bash ci/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

$(OBJ)/harness/%.o: harness/%.c $(LIB_HDR) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_harness) -c $< -o $@

$(OBJ)/cli/%.o: cli/%.c cli/*.h $(LIB_HDR) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_cli) -c $< -o $@

$(OBJ)/fuzzers/campaign/%.o: fuzzers/campaign/%.c fuzzers/campaign/*.h cli/*.h $(LIB_HDR) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_campaign) -c $< -o $@

$(OBJ)/stress/%.o: stress/%.c stress/*.h cli/*.h trace/*.h $(LIB_HDR) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_stress) -c $< -o $@

$(OBJ)/trace/%.o: trace/%.c trace/*.h cli/*.h $(LIB_HDR) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_trace) -c $< -o $@

# The recording library `gauntlet record` preloads: a library of its own
# (trace/recorder/), sharing only the trace's layout (trace/trace_format.h).
# Initial-exec TLS: its thread state must not be allocated through malloc.
$(RECORDER): $(RECORDER_SRC) trace/recorder/*.h trace/trace_format.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -fPIC -shared -fno-builtin -fvisibility=hidden -ftls-model=initial-exec \
	  -Itrace -Itrace/recorder $(RECORDER_SRC) -o $@ -ldl -pthread

# Embedded texts: the reproducer's fixed parts, real C kept in files of their
# own (harness/reproducer_*.c.in, and rules.h itself, which every reproducer
# carries verbatim), each turned into an array of lines (backslashes and
# quotes escaped).
EMBEDDED := reproducer_head:harness/reproducer_head.c.in rules:harness/include/rules.h \
            map_faults:harness/map_faults.c.in reproducer_body:harness/reproducer_body.c.in
$(OBJ)/harness/embedded.c: $(foreach e,$(EMBEDDED),$(word 2,$(subst :, ,$(e))))
	@mkdir -p $(dir $@)
	@{ echo '/* Generated by the Makefile from the files named below: do not edit. */'; \
	  echo '#include <stddef.h>'; \
	  for entry in $(EMBEDDED); do \
	    name=$${entry%%:*}; file=$${entry#*:}; \
	    echo "/* $$file */"; \
	    echo "const char *const embedded_$$name[] = {"; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/",/' $$file; \
	    echo '};'; \
	    echo "const size_t embedded_$${name}_lines = $$(wc -l < $$file);"; \
	  done; } > $@.tmp && mv $@.tmp $@

$(OBJ)/harness/embedded.o: $(OBJ)/harness/embedded.c
	$(CC) $(BASE_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The coverage calls an allocator built for coverage makes (cli/coverage_stubs.c)
# are exported, so that `gauntlet` loads such a library too.
$(BUILD)/gauntlet: $(CMD_OBJ) $(LIB)
	$(CC) $(BASE_CFLAGS) $(CMD_OBJ) $(LIB) -o $@ $(LDLIBS) $(MAP_FAULT_EXPORTS) \
	  -Wl,--export-dynamic-symbol=__sanitizer_cov_*

$(BUILD)/defective/libdefect_%.so: tests/defective/defective.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -fPIC -shared -fno-builtin -DDEFECT_$(shell echo $* | tr a-z A-Z) $< -o $@ -ldl -pthread

# One runner per test level; each sees only what its level may use.
$(BUILD)/tests/unit: $(UNIT_SRC) $(SUPPORT_SRC) $(LIB) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_unit) $(UNIT_SRC) $(SUPPORT_SRC) $(LIB) -o $@ $(LDLIBS) $(MAP_FAULT_EXPORTS) $(CHECK_LIBS)

$(BUILD)/tests/system: $(SYSTEM_SRC) $(SUPPORT_SRC) $(LIB) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_system) $(SYSTEM_SRC) $(SUPPORT_SRC) $(LIB) -o $@ $(LDLIBS) $(MAP_FAULT_EXPORTS) $(CHECK_LIBS)

$(BUILD)/tests/long: $(LONG_SRC) $(SUPPORT_SRC) $(LIB) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_system) $(LONG_SRC) $(SUPPORT_SRC) $(LIB) -o $@ $(LDLIBS) $(MAP_FAULT_EXPORTS) $(CHECK_LIBS)

TEST_ENV = GAUNTLET=$(BUILD)/gauntlet DEFECTIVE_DIR=$(BUILD)/defective

# The main job (README's first command).
run: all
	@$(BUILD)/gauntlet list
	$(BUILD)/gauntlet gen --seed 1 --ops 5000 --threads 4 -o $(BUILD)/main-job.bin
	$(BUILD)/gauntlet run --alloc all --rounds 32 $(BUILD)/main-job.bin
	bash ci/run-settings.sh $(BUILD)/gauntlet $(BUILD)/main-job.bin
	$(BUILD)/gauntlet stress --alloc all --workload server --repeat 3 \
	    --json $(BUILD)/main-job-stress.json --plot $(BUILD)/main-job-plots

# Every engine and configuration of the fuzz target (fuzzers/build.sh).
fuzz-build: all
	bash fuzzers/build.sh

# The unit and system levels but their slowest cases (tagged slow: every
# defect's reproducer compiled, generated programs on every allocator).
check-fast: all $(BUILD)/tests/unit $(BUILD)/tests/system
	@echo "check-fast: the test cases tagged slow are left out (make check runs them)"
	CK_EXCLUDE_TAGS=slow $(TEST_ENV) bash tests/run-levels.sh $(BUILD)/tests/unit $(BUILD)/tests/system

check: all fuzz-build $(BUILD)/tests/unit $(BUILD)/tests/system $(BUILD)/tests/long
	$(TEST_ENV) bash tests/run-levels.sh $(BUILD)/tests/unit $(BUILD)/tests/system $(BUILD)/tests/long

install: all fuzz-build
	bash ci/install.sh "$(DESTDIR)" "$(PREFIX)"

bench: all
	$(BUILD)/gauntlet bench --alloc all

# The oracle's parts, each left out of a build of its own (build/ablation/).
bench-parts: all
	bash ci/bench-oracle-parts.sh 11

# The stress drivers' own cost: checks on vs off, sampler on vs off.
bench-stress: all
	$(BUILD)/gauntlet stress-bench --alloc all --repeat 5 --scale 2

# Per-allocator baselines, measured on this machine (commit the result);
# every named allocator unless STRESS_BASELINE_ALLOCS names some.
STRESS_BASELINE_ALLOCS ?=
stress-baselines: all
	@mkdir -p stress/baselines
	STRESS_BASELINE_ALLOCS="$(STRESS_BASELINE_ALLOCS)"; \
	for a in $${STRESS_BASELINE_ALLOCS:-$$($(BUILD)/gauntlet list --registry | cut -d' ' -f1)}; do \
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

# Real allocator bugs put back into Debian's sources (ci/realbugs/): found by gen+run, by
# fuzzing with and without the allocator instrumented, and how fast (REALBUGS_SECONDS each).
REALBUGS_SECONDS ?= 120
bench-realbugs: all
	bash ci/bench-realbugs.sh $(REALBUGS_SECONDS)

# Faults injected into mimalloc's source: killed by Gauntlet and by its own suite.
bench-mutants: all
	bash ci/bench-mutants.sh 40 1 8

# What recording costs sqlite3 and python3; a 10-million-call trace converted and replayed.
bench-record: all
	bash ci/bench-record.sh 5

# A recorded trace's replay against the real program's RSS at each mark, per allocator
# (sqlite3, python3, redis-server when installed).
bench-fidelity: all
	bash ci/bench-fidelity.sh

# The seed's question for a real server: redis-server's RSS at start-up and after N
# requests, the real process and its replayed trace, per allocator (tables and pictures).
redis-memory: all
	bash ci/redis-memory.sh

# Coverage of a campaign with the allocator instrumented (build-alloc) and not.
bench-coverage: all
	bash ci/bench-coverage.sh 20000

# Fuzz targets' exec/s and the time to find each defective allocator.
bench-fuzz: all
	bash ci/bench-fuzz.sh

# False alarms of the upgrade verdict: each allocator against its own file,
# AA_RUNS upgrades per workload (hours at 100: see the script).
AA_RUNS ?= 100
AA_ALLOCS ?=
AA_WORKLOADS ?=
bench-upgrade-aa: all
	bash ci/bench-upgrade-aa.sh $(AA_RUNS) "$(AA_ALLOCS)" "$(AA_WORKLOADS)"

format:
	clang-format -i harness/*.c harness/*.h harness/include/*.h cli/*.c cli/*.h \
	    fuzzers/*.c fuzzers/*.h fuzzers/campaign/*.c fuzzers/campaign/*.h \
	    stress/*.c stress/*.h trace/*.c trace/*.h trace/recorder/*.c trace/recorder/*.h \
	    tests/*/*.c tests/*/*.h ci/realbugs/*.c ci/realbugs/*.h

clean:
	rm -rf $(BUILD)
