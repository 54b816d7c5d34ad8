# SPDX-License-Identifier: MIT
# wgc: plain Makefile. `make` builds, `make check` runs every test,
# `make asan` runs the suite under AddressSanitizer + UBSan, `make fuzz`
# runs the libFuzzer targets. Quiet unless V=1; -Werror when CI is set.

BUILD ?= build
CC ?= cc
PKGS := libcrypto libsodium libcap libseccomp libmnl

CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wformat=2 -Wno-unused-parameter -fno-strict-aliasing -pthread \
	  -D_GNU_SOURCE -MMD -MP -Isrc
ifneq ($(CI),)
override CFLAGS += -Werror
endif
ifneq ($(SAN),)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto -lsodium -lcap -lseccomp -lmnl) -pthread

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

CORE_SRC := $(wildcard src/core/*.c)
COMMON_SRC := $(wildcard src/common/*.c)
IPC_SRC := $(wildcard src/ipc/*.c)
DAEMON_SRC := $(wildcard src/daemon/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_HELPER_SRC := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
TOOL_SRC := $(wildcard tests/tools/*.c)
BENCH_SRC := $(wildcard bench/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
CORE_LIB := $(BUILD)/libwgccore.a
COMMON_LIB := $(BUILD)/libwgccommon.a
IPC_LIB := $(BUILD)/libwgcipc.a
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
PROGRAMS := $(if $(wildcard src/daemon/main.c),$(BUILD)/wgcd) $(if $(CLI_SRC),$(BUILD)/wgc)

all: $(PROGRAMS) $(UNIT_BINS) $(TOOL_BINS) $(BENCH_BINS)

$(BUILD)/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(CORE_LIB): $(call obj,$(CORE_SRC))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(IPC_LIB): $(call obj,$(IPC_SRC))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

LIBS := $(IPC_LIB) $(COMMON_LIB) $(CORE_LIB)

$(BUILD)/wgcd: $(call obj,$(DAEMON_SRC)) $(LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/wgc: $(call obj,$(CLI_SRC)) $(LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# tests of the daemon's modules link them, all but its main()
DAEMON_LIB_OBJS := $(call obj,$(filter-out src/daemon/main.c,$(DAEMON_SRC)))
$(BUILD)/tests/test_daemon_%: $(BUILD)/tests/unit/test_daemon_%.o $(DAEMON_LIB_OBJS) $(call obj,$(UNIT_HELPER_SRC)) $(LIBS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(call obj,$(UNIT_HELPER_SRC)) $(LIBS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIBS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	$(Q)scripts/install-deps.sh

# T selects test groups (unit, net, slow); the default runs unit and net.
check: deps check-layers
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/run.sh $(T)

# lower layers never include higher ones; the UAPI client only behind src/ipc/
check-layers:
	$(Q)scripts/check-layers.sh --self-test >/dev/null || scripts/check-layers.sh --self-test
	$(Q)scripts/check-layers.sh

asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SAN=1 CFLAGS="-O1 -g" check

# unit tests under valgrind memcheck (scaled-down random tests: WGC_TEST_QUICK)
valgrind: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-vg CFLAGS="-O1 -g" all
	$(Q)BUILD=build-vg VALGRIND=1 WGC_TEST_QUICK=1 tests/run.sh unit

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) scripts/demo.sh

clean:
	rm -rf build build-asan build-fuzz build-vg

.PHONY: all deps check check-layers asan valgrind demo clean fuzz fuzz-build
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
include fuzz/fuzz.mk
